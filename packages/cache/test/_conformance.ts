// The conformance suite every cache of this package must pass, whatever its eviction policy: call
// `cacheConformance(name, factory)` from a test file. Only policy-independent behaviour lives here (which
// entry is evicted is the policy's own test); time is a ManualClock.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BoundedCache, CacheOptions, EvictionReason } from '../src/index.js';
import { loadConformance } from './_conformance-load.js';

export type CacheFactory = <K, V>(options: CacheOptions<K, V>) => BoundedCache<K, V>;

type Removal = [unknown, unknown, EvictionReason];

export function cacheConformance(name: string, create: CacheFactory): void {
  describe(`${name}: cache conformance`, () => {
    describe('option validation names the option', () => {
      it.each([
        [{ max: 0 }, RangeError, 'max'],
        [{ max: -1 }, RangeError, 'max'],
        [{ max: Number.NaN }, RangeError, 'max'],
        [{ max: 2.5 }, RangeError, 'max'],
        [{ max: '10' }, TypeError, 'max'],
        [{}, TypeError, 'max'],
        [{ max: 10, ttl: -1 }, RangeError, 'ttl'],
        [{ max: 10, ttl: '5' }, TypeError, 'ttl'],
        [{ maxSize: 100 }, TypeError, 'sizeOf'],
        [{ maxSize: 0, sizeOf: (): number => 1 }, RangeError, 'maxSize'],
        [{ max: 10, sizeOf: (): number => 1 }, TypeError, 'maxSize'],
        [{ max: 10, staleWhileRevalidate: -5 }, RangeError, 'staleWhileRevalidate'],
        [{ max: 10, onEvict: 'log' }, TypeError, 'onEvict'],
        [{ max: 10, autoPurge: 1 }, TypeError, 'autoPurge'],
        [{ max: 10, ttlResolution: -1 }, RangeError, 'ttlResolution'],
      ])('%j throws %o naming `%s`', (options, type, option) => {
        expect(() => create(options as CacheOptions<unknown, unknown>)).toThrow(type);
        expect(() => create(options as CacheOptions<unknown, unknown>)).toThrow(`\`${option}\``);
      });

      it('a bad per-entry ttl throws and stores nothing', () => {
        const cache = create<string, number>({ max: 10 });
        expect(() => cache.set('a', 1, { ttl: -1 })).toThrow(RangeError);
        expect(cache.size).toBe(0);
      });
    });

    describe('Map semantics for keys', () => {
      it('1 and "1" are distinct; "__proto__" and "constructor" are ordinary keys; NaN, -0 and objects work', () => {
        const cache = create<unknown, string>({ max: 100 });
        expect(cache.has('toString')).toBe(false);
        expect(cache.has('__proto__')).toBe(false);
        cache.set(1, 'n');
        cache.set('1', 's');
        cache.set('__proto__', 'p');
        cache.set('constructor', 'c');
        cache.set(Number.NaN, 'nan');
        cache.set(-0, 'zero');
        const obj = {};
        cache.set(obj, 'obj');
        expect(cache.get(1)).toBe('n');
        expect(cache.get('1')).toBe('s');
        expect(cache.get('__proto__')).toBe('p');
        expect(cache.get('constructor')).toBe('c');
        expect(cache.get(Number.NaN)).toBe('nan');
        expect(cache.get(0)).toBe('zero');
        expect(cache.get(obj)).toBe('obj');
        expect(cache.get({})).toBeUndefined();
        expect(cache.size).toBe(7);
      });
    });

    describe('limits', () => {
      it('size never exceeds max, and total size never exceeds maxSize (property)', () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 8 }),
            fc.integer({ min: 5, max: 40 }),
            fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 50 })), { maxLength: 200 }),
            (max, maxSize, ops) => {
              const byCount = create<number, number>({ max });
              const bySize = create<number, number>({ maxSize, sizeOf: (v) => v });
              let live = 0;
              const removal = create<number, number>({ max, onEvict: (_k, _v, r) => (live -= r === 'set' ? 0 : 1) });
              for (const [k, v] of ops) {
                byCount.set(k, v);
                bySize.set(k, v);
                if (!removal.has(k)) live++;
                removal.set(k, v);
                expect(byCount.size).toBeLessThanOrEqual(max);
                expect(bySize.totalSize).toBeLessThanOrEqual(maxSize);
                expect(bySize.totalSize).toBe([...bySize.values()].reduce((a, b) => a + b, 0));
                expect(removal.size).toBe(live);
              }
            },
          ),
        );
      });

      it('keeps TTLs and sizes while it grows to thousands of entries', () => {
        const clock = new ManualClock(0);
        const cache = create<number, number>({ maxSize: 1_000_000, sizeOf: (v) => v, ttl: 100, clock });
        for (let i = 0; i < 5000; i++) cache.set(i, 1 + (i % 3), { ttl: i % 2 === 0 ? 50 : 150 });
        expect(cache.totalSize).toBe(Array.from({ length: 5000 }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0));
        clock.set(50);
        expect(cache.purgeStale()).toBe(2500);
        expect(cache.remainingTtl(4999)).toBe(100);
        clock.set(150);
        expect(cache.purgeStale()).toBe(2500);
        expect(cache.size).toBe(0);
        expect(cache.totalSize).toBe(0);
      });

      it('a full cache evicts with reason evict and counts it', () => {
        const removed: Removal[] = [];
        const cache = create<number, number>({ max: 3, onEvict: (k, v, r) => removed.push([k, v, r]) });
        for (let i = 0; i < 5; i++) cache.set(i, i);
        expect(cache.size).toBe(3);
        expect(removed).toHaveLength(2);
        for (const [k, , r] of removed) {
          expect(r).toBe('evict');
          expect(cache.has(k as number)).toBe(false);
        }
        expect(cache.stats().evictions).toBe(2);
      });
    });

    describe('the expiry rule now − setAt ≥ ttl', () => {
      it('has, get, peek, iteration and remainingTtl agree at every instant', () => {
        fc.assert(
          fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 }), (ttl, at) => {
            const clock = new ManualClock(0);
            const cache = create<string, number>({ max: 10, clock });
            cache.set('k', 1, { ttl });
            clock.set(at);
            const live = at < ttl;
            expect(cache.has('k')).toBe(live);
            expect(cache.peek('k')).toBe(live ? 1 : undefined);
            expect([...cache.keys()]).toEqual(live ? ['k'] : []);
            expect(cache.remainingTtl('k')).toBe(live ? ttl - at : 0);
            expect(cache.get('k')).toBe(live ? 1 : undefined);
          }),
        );
      });

      it('ttl 0 means no expiry; a per-entry ttl overrides the default', () => {
        const clock = new ManualClock(0);
        const cache = create<string, number>({ max: 10, ttl: 10, clock });
        cache.set('default', 1);
        cache.set('forever', 2, { ttl: 0 });
        cache.set('long', 3, { ttl: 100 });
        expect(cache.remainingTtl('forever')).toBe(Number.POSITIVE_INFINITY);
        clock.set(50);
        expect([...cache.keys()].sort()).toEqual(['forever', 'long']);
        clock.set(10_000);
        expect([...cache.keys()]).toEqual(['forever']);
      });

      it('updateAgeOnGet restarts the TTL on get but not on peek or has', () => {
        const clock = new ManualClock(0);
        const cache = create<string, number>({ max: 10, ttl: 10, updateAgeOnGet: true, clock });
        cache.set('g', 1);
        cache.set('p', 2);
        clock.set(8);
        cache.get('g');
        cache.peek('p');
        cache.has('p');
        clock.set(12);
        expect(cache.has('g')).toBe(true);
        expect(cache.has('p')).toBe(false);
        expect(cache.remainingTtl('g')).toBe(6);
      });

      it('expired entries are removed by get and purgeStale with reason expire, once', () => {
        const clock = new ManualClock(0);
        const removed: Removal[] = [];
        const cache = create<string, number>({ max: 10, ttl: 5, clock, onEvict: (k, v, r) => removed.push([k, v, r]) });
        cache.set('a', 1);
        cache.set('b', 2);
        cache.set('c', 3, { ttl: 100 });
        clock.set(5);
        expect(cache.get('a')).toBeUndefined();
        expect(cache.purgeStale()).toBe(1);
        expect(cache.purgeStale()).toBe(0);
        expect(removed).toEqual([
          ['a', 1, 'expire'],
          ['b', 2, 'expire'],
        ]);
        expect(cache.size).toBe(1);
        expect(cache.stats().expirations).toBe(2);
      });

      it('autoPurge keeps at most one timer (with default options) and empties the cache without reads', () => {
        const clock = new ManualClock(0);
        const cache = create<number, number>({ max: 1000, ttl: 50, autoPurge: true, clock });
        for (let i = 0; i < 500; i++) {
          clock.advance(i % 3);
          cache.set(i, i, { ttl: 20 + (i % 40) });
          cache.get(i >> 1);
          cache.has(i >> 2);
          expect(clock.pendingTimers).toBeLessThanOrEqual(1);
        }
        clock.advance(100);
        expect(cache.size).toBe(0);
        expect(clock.pendingTimers).toBe(0);
      });
    });

    describe('onEvict', () => {
      it('reports set, delete and clear once each, after the entry is gone', () => {
        const seen: Array<[unknown, unknown, EvictionReason, boolean, number]> = [];
        const cache: BoundedCache<string, number> = create<string, number>({
          max: 10,
          onEvict: (k, v, r) => seen.push([k, v, r, cache.has(k) && cache.peek(k) === v, cache.size]),
        });
        cache.set('a', 1);
        cache.set('a', 1); // same value: nothing removed
        cache.set('a', 2);
        cache.set('b', 3);
        cache.delete('b');
        cache.delete('b');
        cache.set('c', 4);
        cache.clear();
        expect(seen).toEqual([
          ['a', 1, 'set', false, 1],
          ['b', 3, 'delete', false, 1],
          ['a', 2, 'clear', false, 0],
          ['c', 4, 'clear', false, 0],
        ]);
      });

      it('set(key, undefined) deletes the key', () => {
        const removed: Removal[] = [];
        const cache = create<string, number | undefined>({ max: 10, onEvict: (k, v, r) => removed.push([k, v, r]) });
        cache.set('a', 1);
        expect(cache.set('a', undefined)).toBe(false);
        expect(cache.has('a')).toBe(false);
        expect(removed).toEqual([['a', 1, 'delete']]);
      });

      it('may call cache methods from inside, including ones that remove more entries', () => {
        const removed: Removal[] = [];
        const cache: BoundedCache<number, number> = create<number, number>({
          max: 4,
          onEvict: (k, v, r) => {
            removed.push([k, v, r]);
            if (r === 'evict' && (k as number) < 1000) {
              cache.delete((k as number) + 1);
              cache.set(1000 + (k as number), 0);
              expect(cache.get(k)).toBeUndefined();
            }
          },
        });
        for (let i = 0; i < 20; i++) cache.set(i, i);
        expect(cache.size).toBeLessThanOrEqual(4);
        expect(cache.size).toBe([...cache.keys()].length);
        const keys = removed.map(([k, v]) => `${k}:${v}`);
        expect(new Set(keys).size).toBe(keys.length);
      });

      it('a throwing listener does not stop the other notifications; the first error is rethrown', () => {
        const seen: unknown[] = [];
        const cache = create<number, number>({
          max: 10,
          onEvict: (k) => {
            seen.push(k);
            throw new Error(`boom ${k}`);
          },
        });
        cache.set(1, 1);
        cache.set(2, 2);
        expect(() => cache.clear()).toThrow('boom 1');
        expect(seen.sort()).toEqual([1, 2]);
        expect(cache.size).toBe(0);
        cache.set(3, 3);
        expect(cache.get(3)).toBe(3);
      });
    });

    describe('iteration', () => {
      it('keys, values and entries agree and are safe against deletes and sets while iterating', () => {
        const cache = create<number, number>({ max: 100 });
        for (let i = 0; i < 50; i++) cache.set(i, i * 10);
        const seen: number[] = [];
        for (const key of cache.keys()) {
          seen.push(key);
          cache.delete(key);
          cache.delete(key - 1);
          cache.delete(key + 1);
          cache.set(1000 + key, 0);
          cache.delete(1000 + key);
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.length).toBeLessThanOrEqual(50);
        cache.clear();
        for (let i = 0; i < 5; i++) cache.set(i, i * 10);
        const entries = [...cache.entries()];
        expect(entries.map(([k]) => k)).toEqual([...cache.keys()]);
        expect(entries.map(([, v]) => v)).toEqual([...cache.values()]);
        expect([...cache]).toEqual(entries);
      });

      it('iteration does not change what get would return, and skips expired entries', () => {
        const clock = new ManualClock(0);
        const cache = create<string, number>({ max: 10, clock });
        cache.set('short', 1, { ttl: 5 });
        cache.set('long', 2, { ttl: 50 });
        clock.set(5);
        expect([...cache.entries()]).toEqual([['long', 2]]);
        expect(cache.size).toBe(2);
      });
    });

    loadConformance(create);

    describe('stats', () => {
      it('counts hits, misses and the hit ratio; peek and has do not count', () => {
        const cache = create<string, number>({ max: 10 });
        expect(cache.stats().hitRatio).toBe(0);
        cache.set('a', 1);
        cache.get('a');
        cache.get('a');
        cache.get('a');
        cache.get('b');
        cache.peek('a');
        cache.has('b');
        const { loadDuration, ...numbers } = cache.stats();
        expect(numbers).toEqual({
          hits: 3,
          misses: 1,
          lookups: 4,
          staleHits: 0,
          evictions: 0,
          expirations: 0,
          loads: 0,
          loadErrors: 0,
          size: 1,
          totalSize: 0,
          inflight: 0,
          hitRatio: 0.75,
        });
        expect(loadDuration.count).toBe(0);
      });
    });
  });
}
