// Channels and stats() of the tiered cache, checked against the README's monitoring tables.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Histogram } from '@scaling/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readmeTableNames } from '../../../test/_readme-tables.js';
import type { TierStats } from '../src/index.js';
import { fleet } from './_helpers.js';
import { settle } from './_memory-redis.js';

const README = join(import.meta.dirname, '..', 'README.md');
const GAUGES = new Set(['busConnected']);
let cleanup: (() => Promise<unknown>) | undefined;
const unsubscribes: Array<() => void> = [];
afterEach(async () => {
  for (const u of unsubscribes.splice(0)) u();
  await cleanup?.();
  cleanup = undefined;
});

const answered = (s: TierStats): number => s.l1Hits + s.l2Hits + s.staleServes + s.misses + s.joined;

describe('cache-redis monitoring', () => {
  it('stats() has exactly the fields of the README table, of the documented kinds', async () => {
    const f = fleet(1);
    cleanup = f.close;
    await f.ready();
    const s = f.instances[0]?.tier.stats() as unknown as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(readmeTableNames(README, '`stats()`').sort());
    for (const [k, v] of Object.entries(s)) {
      if (k.endsWith('Duration')) expect(v).toBeInstanceOf(Histogram);
      else if (k === 'breakerState') expect(typeof v).toBe('string');
      else expect(typeof v, k).toBe(GAUGES.has(k) ? 'boolean' : 'number');
    }
  });

  it('publishes every documented event on its channel with the tier as source', async () => {
    const names = readmeTableNames(README, 'Channels');
    const seen = new Map<string, Array<{ source: unknown }>>();
    for (const name of names) {
      const fn = (m: unknown): void => void seen.set(name, [...(seen.get(name) ?? []), m as { source: unknown }]);
      subscribe(name, fn);
      unsubscribes.push(() => unsubscribe(name, fn));
    }
    const f = fleet<number>(2, { breakerThreshold: 1, breakerOpenMs: 1000, ttl: 100, grace: 10_000 });
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    await a.tier.set('k', 1); // invalidation on b
    await settle();
    b.transport.dropBus(); // bus: false
    b.transport.restoreBus(); // bus: true
    await a.tier.getOrLoad('g', async () => 5);
    f.clock.advance(200);
    await expect(a.tier.getOrLoadWithStatus('g', async () => Promise.reject(new Error('db')))).resolves.toMatchObject({
      status: 'fail-safe',
    });
    f.redis.down = true;
    expect(await a.tier.set('k', 2)).toBe('queued'); // l2-error, breaker open, write-queued
    f.redis.down = false;
    f.clock.advance(1000);
    await a.tier.get('other'); // half-open probe, closed, replayed
    await settle(100);
    for (const name of names) {
      expect(seen.get(name)?.length ?? 0, name).toBeGreaterThan(0);
    }
    expect(seen.get('scaling:cache-redis:invalidation')?.every((m) => m.source !== undefined)).toBe(true);
    expect(seen.get('scaling:cache-redis:breaker')?.map((m) => (m as unknown as { state: string }).state)).toEqual([
      'open',
      'half-open',
      'closed',
    ]);
  });

  it('records one requestDuration sample per Redis command, failed ones included', async () => {
    const f = fleet<number>(1, { breakerThreshold: 100 });
    cleanup = f.close;
    await f.ready();
    const [a] = f.instances as [(typeof f.instances)[0]];
    await a.tier.set('k', 1);
    await a.tier.get('nope');
    f.redis.down = true;
    await a.tier.get('nope2');
    const s = a.tier.stats();
    expect(s.l2Errors).toBeGreaterThan(0);
    expect(s.requestDuration.count).toBe(s.l2Commands);
    expect(s.requestDuration.min).toBeGreaterThanOrEqual(0);
  });

  it('every read is answered once: lookups = l1Hits + l2Hits + staleServes + misses + joined', async () => {
    const op = fc.oneof(
      fc.record({ op: fc.constantFrom('get', 'load', 'set', 'delete', 'burst'), who: fc.nat(1), key: fc.nat(4) }),
      fc.record({ op: fc.constant('tick'), who: fc.constant(0), key: fc.integer({ min: 1, max: 300 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const f = fleet<number>(2, { ttl: 100, staleWhileRevalidate: 100 });
        await f.ready();
        try {
          for (const { op, who, key } of ops) {
            const t = (f.instances[who] as (typeof f.instances)[0]).tier;
            const k = `k${key}`;
            if (op === 'get') await t.get(k);
            else if (op === 'load') await t.getOrLoad(k, async () => key);
            else if (op === 'burst') await Promise.all([t.getOrLoad(k, async () => key), t.getOrLoadWithStatus(k, async () => key)]);
            else if (op === 'set') await t.set(k, key);
            else if (op === 'delete') await t.delete(k);
            else f.clock.advance(key);
            await settle();
            for (const i of f.instances) {
              const s = i.tier.stats();
              if (s.lookups !== answered(s)) return false;
              if (s.requestDuration.count !== s.l2Commands) return false;
            }
          }
          return true;
        } finally {
          await f.close();
        }
      }),
      { numRuns: 30 },
    );
  });
});
