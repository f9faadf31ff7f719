// The Redis tier's failures as the engine counts them, on cache-redis's in-memory Redis (no server).
import { createTieredCache } from '@scaling/cache-redis';
import { ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRedis, settle } from '../../cache-redis/test/_memory-redis.js';
import type { TierVariant } from '../src/index.js';
import { type Harness, harness } from './_helpers.js';

let h: Harness | undefined;
let closeTier: (() => Promise<void>) | undefined;
afterEach(async () => {
  await h?.close();
  await closeTier?.();
  h = undefined;
  closeTier = undefined;
});

async function tierOn(redis: MemoryRedis, breaker?: { breakerThreshold: number; breakerOpenMs: number }) {
  const tier = createTieredCache<TierVariant[]>({ transport: redis.transport(), clock: redis.clock, prefix: 'edge:', ...breaker });
  closeTier = () => tier.close();
  await tier.ready();
  return tier;
}

describe('shared tier failures', () => {
  it('new-user review, 2026-12: `tierErrors` counts the tier’s failed Redis reads and writes (it stayed 0 with Redis down)', async () => {
    const redis = new MemoryRedis(new ManualClock(1_000_000));
    const tier = await tierOn(redis);
    h = await harness({ tier });
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.end('page');
    });
    redis.down = true;
    const a = await h.get('/p'); // the tier read fails (a miss), the store's write-through fails ('queued')
    await settle();
    const b = await h.get('/p');
    expect([a.status, a.headers['x-cache'], b.headers['x-cache'], b.body]).toEqual([200, 'MISS', 'HIT', 'page']);
    const s = h.proxy.stats();
    expect(s.tierErrors).toBe(tier.stats().l2Errors);
    expect(s.tierErrors).toBe(2);
    expect(s.tierHits).toBe(0);
  });

  it('the open breaker’s timed probe is the tier’s own command: not counted in `tierErrors`', async () => {
    const redis = new MemoryRedis(new ManualClock(1_000_000));
    const tier = await tierOn(redis, { breakerThreshold: 1, breakerOpenMs: 1_000 });
    const operations: string[] = [];
    tier.on('l2-error', ({ operation }) => operations.push(operation));
    h = await harness({ tier });
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.end('page');
    });
    redis.down = true;
    await h.get('/p'); // opens the breaker
    await settle();
    const before = h.proxy.stats().tierErrors;
    expect(before).toBeGreaterThan(0);
    await redis.clock.advanceAsync(1_000); // the probe goes out, and fails
    await settle();
    expect(operations).toContain('probe');
    expect(h.proxy.stats().tierErrors).toBe(before);
  });

  it('counts nothing while Redis answers, and a second instance is answered from the tier', async () => {
    const redis = new MemoryRedis(new ManualClock(1_000_000));
    const tier = await tierOn(redis);
    h = await harness({ tier });
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.end('page');
    });
    await h.get('/p');
    await settle();
    h.proxy.store.clear(); // as if another instance: only the tier has it
    const b = await h.get('/p');
    expect([b.headers['x-cache'], b.body]).toEqual(['HIT', 'page']);
    expect(h.proxy.stats()).toMatchObject({ tierErrors: 0, tierHits: 1, originRequests: 1 });
  });
});
