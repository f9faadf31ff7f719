// The conformance suite every cache of this package must pass, whatever its eviction policy: call
// `cacheConformance(name, factory)` from a test file. Only policy-independent behaviour lives here (which
// entry is evicted is the policy's own test); time is a ManualClock.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BoundedCache, CacheOptions, EvictionReason } from '../src/index.js';

export type CacheFactory = <K, V>(options: CacheOptions<K, V>) => BoundedCache<K, V>;

type Removal = [unknown, unknown, EvictionReason];

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

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

    describe('getOrLoad', () => {
      it('returns a live value without calling the loader, and loads and stores a missing one', async () => {
        const cache = create<string, string>({ max: 10 });
        cache.set('hit', 'cached');
        let calls = 0;
        const loader = async (key: string) => {
          calls++;
          return `loaded ${key}`;
        };
        expect(await cache.getOrLoad('hit', loader)).toBe('cached');
        expect(await cache.getOrLoad('miss', loader)).toBe('loaded miss');
        expect(cache.get('miss')).toBe('loaded miss');
        expect(calls).toBe(1);
        const s = cache.stats();
        expect(s.loads).toBe(1);
        expect(s.hits).toBe(2);
        expect(s.misses).toBe(1);
      });

      it('single-flight: concurrent callers share one loader call', async () => {
        const cache = create<string, number>({ max: 10 });
        const d = deferred<number>();
        let calls = 0;
        const loader = () => {
          calls++;
          return d.promise;
        };
        const waits = [cache.getOrLoad('k', loader), cache.getOrLoad('k', loader), cache.getOrLoad('k', loader)];
        d.resolve(7);
        expect(await Promise.all(waits)).toEqual([7, 7, 7]);
        expect(calls).toBe(1);
        expect(cache.stats().loads).toBe(1);
      });

      it('a rejected load reaches every waiter and is not cached', async () => {
        const cache = create<string, number>({ max: 10 });
        const d = deferred<number>();
        const waits = [cache.getOrLoad('k', () => d.promise), cache.getOrLoad('k', () => d.promise)];
        const failure = new Error('backend down');
        d.reject(failure);
        for (const w of waits) await expect(w).rejects.toBe(failure);
        expect(cache.has('k')).toBe(false);
        expect(cache.stats().loadErrors).toBe(1);
        const thrown = cache.getOrLoad('sync', () => {
          throw failure;
        });
        await expect(thrown).rejects.toBe(failure);
        expect(await cache.getOrLoad('k', async () => 1)).toBe(1);
      });

      it('one waiter aborting does not abort the others; the loader is aborted when all have', async () => {
        const cache = create<string, number>({ max: 10 });
        const d = deferred<number>();
        let loaderSignal: AbortSignal | undefined;
        const loader = (_k: string, ctx: { signal: AbortSignal }) => {
          loaderSignal = ctx.signal;
          return d.promise;
        };
        const a = new AbortController();
        const b = new AbortController();
        const pa = cache.getOrLoad('k', loader, { signal: a.signal });
        const pb = cache.getOrLoad('k', loader, { signal: b.signal });
        a.abort(new Error('a gave up'));
        await expect(pa).rejects.toThrow('a gave up');
        expect(loaderSignal?.aborted).toBe(false);
        d.resolve(5);
        expect(await pb).toBe(5);
        expect(cache.get('k')).toBe(5);

        const d2 = deferred<number>();
        const c = new AbortController();
        const pc = cache.getOrLoad(
          'j',
          (_k, ctx) => {
            loaderSignal = ctx.signal;
            return d2.promise;
          },
          { signal: c.signal },
        );
        c.abort(new Error('c gave up'));
        await expect(pc).rejects.toThrow('c gave up');
        expect(loaderSignal?.aborted).toBe(true);
        d2.resolve(1);
        await Promise.resolve();
        expect(cache.has('j')).toBe(false);
        const already = new AbortController();
        already.abort(new Error('already'));
        await expect(cache.getOrLoad('x', async () => 1, { signal: already.signal })).rejects.toThrow('already');
      });

      it('regression: a loader that is not a function is a TypeError naming `loader`', () => {
        const cache = create<string, string>({ max: 10 });
        expect(() => cache.getOrLoad('k', 'x' as never)).toThrow(/`loader`/);
      });

      it('regression: a pre-aborted signal rejects without calling the loader, and nothing is stored', async () => {
        const cache = create<string, string>({ max: 10 });
        const already = new AbortController();
        already.abort(new Error('pre'));
        let calls = 0;
        await expect(
          cache.getOrLoad(
            'z',
            async () => {
              calls++;
              return 'v';
            },
            { signal: already.signal },
          ),
        ).rejects.toThrow('pre');
        await new Promise((r) => setImmediate(r));
        expect(calls).toBe(0);
        expect(cache.has('z')).toBe(false);
        expect(cache.stats().loads).toBe(0);
      });

      it('regression: a loader that ignores its aborted signal (every waiter gave up) is not cached', async () => {
        const cache = create<string, string>({ max: 10 });
        const d = deferred<string>();
        const ac = new AbortController();
        const p = cache.getOrLoad('y', () => d.promise, { signal: ac.signal });
        ac.abort(new Error('gave up'));
        await expect(p).rejects.toThrow('gave up');
        d.resolve('late');
        await new Promise((r) => setImmediate(r));
        expect(cache.has('y')).toBe(false);
      });

      it('set, delete and clear during a load win over its late result', async () => {
        const cache = create<string, string>({ max: 10 });
        for (const write of [
          (c: BoundedCache<string, string>) => c.set('k', 'new'),
          (c: BoundedCache<string, string>) => c.delete('k'),
          (c: BoundedCache<string, string>) => c.clear(),
        ]) {
          cache.clear();
          const d = deferred<string>();
          const p = cache.getOrLoad('k', () => d.promise);
          write(cache);
          const expected = cache.peek('k');
          d.resolve('old');
          expect(await p).toBe('old');
          expect(cache.peek('k')).toBe(expected);
        }
      });

      it('stores the loaded value with the given ttl', async () => {
        const clock = new ManualClock(0);
        const cache = create<string, number>({ max: 10, ttl: 1000, clock });
        await cache.getOrLoad('k', async () => 1, { ttl: 10 });
        expect(cache.remainingTtl('k')).toBe(10);
        expect(() => cache.getOrLoad('k', async () => 1, { ttl: -1 })).toThrow(RangeError);
      });

      it('staleWhileRevalidate answers with the stale value at once and stores the refresh when it arrives', async () => {
        const clock = new ManualClock(0);
        const cache = create<string, string>({ max: 10, ttl: 100, staleWhileRevalidate: 50, clock });
        cache.set('k', 'v1');
        clock.set(120);
        expect(cache.get('k')).toBeUndefined();
        const d = deferred<string>();
        let calls = 0;
        let stale: string | undefined;
        const loader = (_k: string, ctx: { staleValue: string | undefined }) => {
          calls++;
          stale = ctx.staleValue;
          return d.promise;
        };
        expect(await cache.getOrLoad('k', loader)).toBe('v1');
        expect(await cache.getOrLoad('k', loader)).toBe('v1');
        expect(calls).toBe(1);
        expect(stale).toBe('v1');
        d.resolve('v2');
        await d.promise;
        await Promise.resolve();
        expect(cache.get('k')).toBe('v2');
        expect(cache.remainingTtl('k')).toBe(100);
        clock.set(400);
        expect(await cache.getOrLoad('k', async () => 'v3')).toBe('v3');
      });

      it('a failed background refresh keeps the stale value and is counted, not thrown', async () => {
        const clock = new ManualClock(0);
        const cache = create<string, string>({ max: 10, ttl: 100, staleWhileRevalidate: 50, clock });
        cache.set('k', 'v1');
        clock.set(110);
        expect(await cache.getOrLoad('k', async () => Promise.reject(new Error('down')))).toBe('v1');
        await new Promise((r) => setImmediate(r));
        expect(cache.stats().loadErrors).toBe(1);
        expect(await cache.getOrLoad('k', async () => 'v2')).toBe('v1');
      });
    });

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
        expect(cache.stats()).toEqual({ hits: 3, misses: 1, evictions: 0, expirations: 0, loads: 0, loadErrors: 0, hitRatio: 0.75 });
      });
    });
  });
}
