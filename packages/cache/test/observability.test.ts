// Channels, events and stats() of every cache, checked against the README's monitoring tables.
import { type Channel, channel, subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Histogram, ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readmeTableNames } from '../../../test/_readme-tables.js';
import type { BoundedCache, CacheOptions, EvictionReason } from '../src/index.js';
import { implementations } from './_implementations.js';

const README = join(import.meta.dirname, '..', 'README.md');
const STATS_FIELDS = readmeTableNames(README, '`stats()`');
const CHANNELS = readmeTableNames(README, 'Channels');
const TRACE_EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

type Traced = { event: string; key: unknown; error?: unknown; result?: unknown };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function onChannel(name: string, fn: (message: unknown) => void): void {
  subscribe(name, fn);
  cleanups.push(() => unsubscribe(name, fn));
}

function traceLoads(): Traced[] {
  const seen: Traced[] = [];
  const handlers = Object.fromEntries(
    TRACE_EVENTS.map((event) => [event, (ctx: { key: unknown; error?: unknown; result?: unknown }) => seen.push({ event, ...ctx })]),
  ) as unknown as Parameters<ReturnType<typeof tracingChannel>['subscribe']>[0];
  const tc = tracingChannel('scaling:cache:load');
  tc.subscribe(handlers);
  cleanups.push(() => tc.unsubscribe(handlers));
  return seen;
}

describe('the README documents the monitoring surface', () => {
  it('lists the channels the code publishes on', () => {
    expect(CHANNELS).toEqual(['scaling:cache:evict', 'scaling:cache:load']);
  });
});

for (const [name, create] of implementations) {
  const make = <K, V>(options: CacheOptions<K, V>): BoundedCache<K, V> => create<K, V>(options);

  describe(`${name}: monitoring`, () => {
    it('stats() has exactly the fields of the README table, of the documented kinds', () => {
      const s = make<string, number>({ max: 4 }).stats() as unknown as Record<string, unknown>;
      expect(Object.keys(s).sort()).toEqual([...STATS_FIELDS].sort());
      for (const [k, v] of Object.entries(s)) {
        if (k.endsWith('Duration')) expect(v).toBeInstanceOf(Histogram);
        else expect(typeof v, k).toBe('number');
      }
    });

    it('stats() is a snapshot: reading it changes nothing and the histogram is a copy', async () => {
      const cache = make<string, number>({ max: 4 });
      await cache.getOrLoad('a', async () => 1);
      const a = cache.stats();
      a.loadDuration.record(5);
      const b = cache.stats();
      expect(b.loadDuration.count).toBe(1);
      expect({ ...b, loadDuration: undefined }).toEqual({ ...a, loadDuration: undefined });
    });

    it('publishes every removal on scaling:cache:evict and to on("evict"), after onEvict, with every reason', () => {
      const clock = new ManualClock();
      const order: string[] = [];
      const cache = make<string, number>({ max: 2, ttl: 10, ttlResolution: 0, clock, onEvict: (k) => order.push(`onEvict ${k}`) });
      const events: Array<[unknown, unknown, EvictionReason]> = [];
      const off = cache.on('evict', ({ key, value, reason }) => {
        order.push(`event ${String(key)}`);
        events.push([key, value, reason]);
      });
      const published: Array<{ key: unknown; reason: string; source: unknown }> = [];
      onChannel('scaling:cache:evict', (m) => published.push(m as (typeof published)[number]));
      cache.set('a', 1);
      cache.set('a', 2); // 'set'
      cache.set('b', 1);
      cache.set('c', 1); // 'evict' (one of a, b)
      cache.delete('c'); // 'delete'
      clock.advance(10);
      cache.get('a');
      cache.get('b'); // the survivor expires: 'expire'
      cache.set('d', 1);
      cache.clear(); // 'clear'
      expect(events.map((e) => e[2])).toEqual(['set', 'evict', 'delete', 'expire', 'clear']);
      expect(events[0]).toEqual(['a', 1, 'set']);
      expect(order.slice(0, 2)).toEqual(['onEvict a', 'event a']);
      expect(published.map((p) => p.reason)).toEqual(['set', 'evict', 'delete', 'expire', 'clear']);
      expect(published.every((p) => p.source === cache)).toBe(true);
      off();
      cache.set('e', 1);
      cache.delete('e');
      expect(events).toHaveLength(5);
      expect(published).toHaveLength(6);
    });

    it('a channel subscriber sees the removals of a cache with no listener of its own', () => {
      const cache = make<string, number>({ max: 1 });
      cache.set('a', 1);
      const published: Array<{ key: unknown; reason: string }> = [];
      onChannel('scaling:cache:evict', (m) => published.push(m as (typeof published)[number]));
      cache.set('b', 2);
      expect(published).toMatchObject([{ key: 'a', value: 1, reason: 'evict' }]);
    });

    it('on() rejects unknown events and non-functions', () => {
      const cache = make<string, number>({ max: 1 });
      expect(() => cache.on('evicted' as 'evict', () => {})).toThrow(TypeError);
      expect(() => cache.on('evict', 1 as never)).toThrow(TypeError);
    });

    it('traces each load on scaling:cache:load (start, end, asyncStart, asyncEnd; error on a throw or rejection)', async () => {
      const cache = make<string, number>({ max: 4 });
      const seen = traceLoads();
      await expect(cache.getOrLoad('a', async () => 1)).resolves.toBe(1);
      expect(seen.map((s) => s.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(seen.every((s) => s.key === 'a')).toBe(true);
      expect(seen[3]?.result).toBe(1);
      seen.length = 0;
      const boom = new Error('boom');
      await expect(cache.getOrLoad('b', async () => Promise.reject(boom))).rejects.toBe(boom);
      expect(seen.map((s) => s.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(seen[2]?.error).toBe(boom);
      seen.length = 0;
      await expect(
        cache.getOrLoad('c', () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(seen.map((s) => s.event)).toEqual(['start', 'error', 'end']);
      expect(cache.stats()).toMatchObject({ loads: 3, loadErrors: 2 });
    });

    it('records loadDuration in ms by the cache clock, for failed loads too; counts stale answers', async () => {
      const clock = new ManualClock();
      const cache = make<string, number>({ max: 4, ttl: 10, staleWhileRevalidate: 100, ttlResolution: 0, clock });
      const slow =
        (ms: number, fail = false) =>
        () =>
          new Promise<number>((resolve, reject) => clock.setTimeout(() => (fail ? reject(new Error('x')) : resolve(ms)), ms));
      const p = cache.getOrLoad('a', slow(25));
      expect(cache.stats().inflight).toBe(1);
      clock.advance(25);
      await p;
      const q = cache.getOrLoad('b', slow(7, true));
      clock.advance(7);
      await expect(q).rejects.toThrow('x');
      clock.advance(10); // 'a' is stale now
      await expect(cache.getOrLoad('a', slow(3))).resolves.toBe(25);
      clock.advance(3);
      await Promise.resolve();
      const s = cache.stats();
      expect(s).toMatchObject({ loads: 3, loadErrors: 1, staleHits: 1, hits: 1, misses: 2, lookups: 3, inflight: 0 });
      expect(s.loadDuration.count).toBe(3);
      expect(s.loadDuration.max).toBeCloseTo(25, 1);
      expect(s.loadDuration.min).toBeCloseTo(3, 1);
    });

    it('counters add up over random operations: hits + misses = lookups, size ≤ max, one evict event per removal', () => {
      const op = fc.oneof(
        fc.record({ op: fc.constant('get' as const), key: fc.nat(12) }),
        fc.record({ op: fc.constant('set' as const), key: fc.nat(12) }),
        fc.record({ op: fc.constant('delete' as const), key: fc.nat(12) }),
        fc.record({ op: fc.constant('peek' as const), key: fc.nat(12) }),
        fc.record({ op: fc.constant('tick' as const), key: fc.nat(8) }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 80 }), (max, ops) => {
          const clock = new ManualClock();
          const cache = make<number, number>({ max, ttl: 5, ttlResolution: 0, clock });
          const reasons: Record<string, number> = {};
          cache.on('evict', ({ reason }) => {
            reasons[reason] = (reasons[reason] ?? 0) + 1;
          });
          let gets = 0;
          for (const { op, key } of ops) {
            if (op === 'get') {
              gets++;
              cache.get(key);
            } else if (op === 'set') cache.set(key, key);
            else if (op === 'delete') cache.delete(key);
            else if (op === 'peek') cache.peek(key);
            else clock.advance(key);
            const s = cache.stats();
            if (s.hits + s.misses !== s.lookups || s.lookups !== gets) return false;
            if (s.size > max || s.size !== cache.size) return false;
            if (s.evictions !== (reasons.evict ?? 0) || s.expirations !== (reasons.expire ?? 0)) return false;
            if (s.hitRatio !== (s.lookups === 0 ? 0 : s.hits / s.lookups)) return false;
          }
          return true;
        }),
        { numRuns: 60 },
      );
    });
  });
}

it('with nobody listening, the eviction channel has no subscribers (the removal path only checks it)', () => {
  const ch: Channel = channel('scaling:cache:evict');
  expect(ch.hasSubscribers).toBe(false);
  expect(tracingChannel('scaling:cache:load').hasSubscribers).toBe(false);
});
