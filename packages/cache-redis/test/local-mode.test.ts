import { Cache } from '@scaling/cache';
import { ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTieredCache, type TieredCache, type TieredCacheOptions } from '../src/index.js';
import { deferred, fleet } from './_helpers.js';
import { MemoryRedis, type MemoryTransport, settle } from './_memory-redis.js';

let cleanup: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** One tier whose Redis is down from the start (its first subscription fails). */
async function coldTier(options: Partial<TieredCacheOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const redis = new MemoryRedis(clock);
  redis.down = true;
  const transport: MemoryTransport = redis.transport();
  const l1 = new Cache<string, unknown>({ max: 1000, clock, ttlResolution: 0 });
  const errors: string[] = [];
  const tier: TieredCache<string> = createTieredCache<string>({
    transport,
    l1,
    clock,
    prefix: 't:',
    ttl: 1000,
    grace: 60_000,
    breakerThreshold: 1,
    breakerOpenMs: 500,
    ...options,
  });
  tier.on('l2-error', ({ operation }) => errors.push(operation));
  cleanup = () => tier.close();
  await tier.ready();
  return { clock, redis, transport, tier, errors };
}

/** Redis answers again: the next command after `breakerOpenMs` is the probe that closes the breaker. */
async function redisBack(c: { clock: ManualClock; redis: MemoryRedis; tier: TieredCache<string> }): Promise<void> {
  c.redis.down = false;
  c.clock.advance(500);
  await c.tier.get('probe');
  await settle(100);
  expect(c.tier.stats().breakerState).toBe('closed');
}

describe('new-user review, 2026-12: local mode from a cold start (Redis down before anything was loaded)', () => {
  it('ready() resolves although the first subscription failed (reported on l2-error); the bus is not connected', async () => {
    const { tier, errors } = await coldTier();
    expect(errors).toEqual(['subscribe']);
    expect(tier.stats()).toMatchObject({ busConnected: false, breakerState: 'closed' });
  });

  it('getOrLoad runs the loader once and then answers from L1; concurrent calls share one load', async () => {
    const { tier } = await coldTier();
    expect(await tier.get('x')).toBeUndefined(); // the failed read opens the breaker (threshold 1)
    expect(tier.stats().breakerState).toBe('open');
    let calls = 0;
    const loader = async () => `v${++calls}`;
    const together = await Promise.all([tier.getOrLoad('k', loader), tier.getOrLoad('k', loader), tier.getOrLoad('k', loader)]);
    expect(together).toEqual(['v1', 'v1', 'v1']);
    expect(await tier.getOrLoadWithStatus('k', loader)).toEqual({ value: 'v1', status: 'l1' });
    expect(await tier.getOrLoad('k', loader)).toBe('v1');
    expect(await tier.get('k')).toBe('v1');
    expect(calls).toBe(1);
    expect(tier.stats().l1Size).toBe(1);
  });

  it('set → get answers the value written locally (queued for Redis); delete removes it', async () => {
    const { tier } = await coldTier();
    await tier.get('x');
    expect(await tier.set('s', 'local')).toBe('queued');
    expect(await tier.get('s')).toBe('local');
    expect(await tier.getOrLoad('s', async () => 'loaded')).toBe('local');
    expect(tier.stats().pendingWrites).toBe(1);
    expect(await tier.delete('s')).toBe('queued');
    expect(await tier.get('s')).toBeUndefined();
  });

  it('a failing loader is answered with the grace value of an entry loaded in local mode', async () => {
    const { tier, clock } = await coldTier();
    await tier.get('x');
    expect(await tier.getOrLoad('k', async () => 'v1')).toBe('v1');
    clock.advance(1001); // past ttl, within grace
    const r = await tier.getOrLoadWithStatus('k', async () => {
      throw new Error('db down');
    });
    expect(r).toMatchObject({ value: 'v1', status: 'fail-safe' });
    expect(tier.stats().failSafeServes).toBe(1);
  });

  it('deleteByTag during the outage invalidates local entries carrying the tag (provisional versions are forgotten)', async () => {
    const { tier } = await coldTier();
    await tier.get('x');
    let calls = 0;
    const load = () => tier.getOrLoad('k', async () => `v${++calls}`, { tags: ['t'] });
    expect(await load()).toBe('v1');
    expect(await load()).toBe('v1');
    expect(await tier.getOrLoad('other', async () => 'o', { tags: ['u'] })).toBe('o');
    expect(await tier.deleteByTag('t')).toBe('queued');
    expect(await load()).toBe('v2');
    expect(await load()).toBe('v2');
    expect(await tier.getOrLoad('other', async () => 'reloaded', { tags: ['u'] })).toBe('o');
    const ns = tier.namespace('n');
    expect(await ns.getOrLoad('a', async () => 'a1')).toBe('a1');
    await ns.clear();
    expect(await ns.getOrLoad('a', async () => 'a2')).toBe('a2');
  });

  it('on reconnection nothing filled in local mode is served: not when Redis answers, not after the bus is back', async () => {
    const c = await coldTier();
    const { tier, redis, transport } = c;
    await tier.get('x');
    expect(await tier.getOrLoad('k', async () => 'local')).toBe('local');
    expect(await tier.set('s', 'local-s')).toBe('queued');
    // Local entries carry provisional versions: never written to Redis.
    expect(redis.keys().filter((k) => k.startsWith('t:d:'))).toEqual([]);
    // Redis answers (breaker closed) but the bus is still down: L1 is bypassed, reads go to Redis.
    await redisBack(c);
    expect(tier.stats().pendingWrites).toBe(0); // the queued invalidation of 's' was replayed
    expect(await tier.get('k')).toBeUndefined();
    expect(await tier.get('s')).toBeUndefined();
    // The bus comes back: L1 is flushed; the keys load again from the source.
    transport.restoreBus();
    await settle();
    expect(tier.stats()).toMatchObject({ busConnected: true, l1Size: 0 });
    expect(await tier.getOrLoadWithStatus('k', async () => 'fresh')).toEqual({ value: 'fresh', status: 'load' });
    expect(await tier.getOrLoadWithStatus('k', async () => 'again')).toEqual({ value: 'fresh', status: 'l1' });
  });

  it('the bus back before Redis answers flushes L1; local mode goes on with the bus up', async () => {
    const c = await coldTier();
    const { tier, redis, transport } = c;
    await tier.get('x');
    expect(await tier.getOrLoad('k', async () => 'before')).toBe('before');
    transport.restoreBus(); // subscribed, but commands still fail: breaker open
    await settle();
    expect(tier.stats()).toMatchObject({ busConnected: true, breakerState: 'open', l1Size: 0 });
    expect(await tier.getOrLoad('k', async () => 'during')).toBe('during');
    expect(await tier.getOrLoad('k', async () => 'again')).toBe('during');
    // Redis answers: the entry filled under provisional versions is dropped although the bus never went down.
    await redisBack(c);
    expect(await tier.get('k')).toBeUndefined();
    expect(await tier.getOrLoadWithStatus('k', async () => 'after')).toEqual({ value: 'after', status: 'load' });
    expect(redis.keys()).toContain('t:d:k');
    expect(await tier.getOrLoadWithStatus('k', async () => 'x')).toEqual({ value: 'after', status: 'l1' });
  });

  it('an open breaker is probed after breakerOpenMs although every read is an L1 hit (recovery is not stalled)', async () => {
    const c = await coldTier();
    const { tier, redis, clock, transport } = c;
    const states: string[] = [];
    tier.on('breaker', ({ state }) => states.push(state));
    await tier.get('x');
    expect(await tier.getOrLoad('k', async () => 'local')).toBe('local');
    expect(await tier.set('s', 'w')).toBe('queued');
    clock.advance(500); // Redis still down: the probe fails and the breaker re-opens
    await settle(100);
    expect(states).toEqual(['open', 'half-open', 'open']);
    transport.restoreBus(); // L1 flushed; the breaker is still open
    await settle();
    expect(await tier.getOrLoad('k', async () => 'during')).toBe('during');
    redis.down = false;
    expect(await tier.getOrLoad('k', async () => 'x')).toBe('during'); // an L1 hit: nothing reaches Redis
    clock.advance(500); // no read reaches Redis; the timed probe closes the breaker
    await settle(100);
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(tier.stats().pendingWrites).toBe(0);
    expect(await tier.getOrLoadWithStatus('k', async () => 'fresh')).toEqual({ value: 'fresh', status: 'load' });
  });

  it('a warm instance that only read (no version known) keeps L1 in local mode too', async () => {
    const f = fleet<string>(1, { breakerThreshold: 1, breakerOpenMs: 500, ttl: 1000, grace: 60_000 });
    cleanup = f.close;
    await f.ready();
    const [a] = f.instances as [(typeof f.instances)[0]];
    expect(await a.tier.get('x')).toBeUndefined(); // a miss: no generation read
    f.redis.down = true;
    a.transport.dropBus();
    await a.tier.get('y');
    let calls = 0;
    expect(await a.tier.getOrLoad('k', async () => `v${++calls}`)).toBe('v1');
    expect(await a.tier.getOrLoad('k', async () => `v${++calls}`)).toBe('v1');
    expect(await a.tier.set('s', 'w')).toBe('queued');
    expect(await a.tier.get('s')).toBe('w');
    f.clock.advance(1001);
    expect(
      await a.tier.getOrLoadWithStatus('k', async () => {
        throw new Error('down');
      }),
    ).toMatchObject({ value: 'v1', status: 'fail-safe' });
    expect(calls).toBe(1);
  });
});

describe('new-user review, 2026-12: staleFillsDropped counts a load that raced a deleteByTag heard on the bus', () => {
  it('the load is answered, not stored in L2 or L1, and counted', async () => {
    const f = fleet<string>(2);
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    const gate = deferred<string>();
    const p = a.tier.getOrLoad('k', () => gate.promise, { tags: ['t'] });
    await settle();
    expect(await b.tier.deleteByTag('t')).toBe('written');
    await settle(); // A hears the new version of 't'
    gate.resolve('old');
    expect(await p).toBe('old');
    expect(a.tier.stats().staleFillsDropped).toBe(1);
    expect(f.redis.keys()).not.toContain('t:d:k');
    expect(await a.tier.getOrLoad('k', async () => 'new', { tags: ['t'] })).toBe('new');
  });
});
