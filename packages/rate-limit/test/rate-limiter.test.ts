import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { CostExceedsBurstError, RateLimiter, type RedisCommand } from '../src/index.js';

/** A Redis stand-in whose replies the test controls: 'ok' answers like the script, 'fail' rejects, 'hang' never answers. */
function fakeRedis(): { client: RedisCommand; mode: 'ok' | 'fail' | 'hang'; calls: number } {
  const f = {
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    calls: 0,
    client: ((_args: string[]) => {
      f.calls++;
      if (f.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
      if (f.mode === 'hang') return new Promise(() => {});
      return Promise.resolve([1, 9, 100_000, 0, 1]);
    }) as RedisCommand,
  };
  return f;
}

describe('RateLimiter (in process)', () => {
  it('decides per key with the default GCRA and reports remaining, reset and retry-after', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limits: { limit: 2, periodMs: 1000 }, clock });
    expect(await limiter.limit('a')).toMatchObject({ allowed: true, remaining: 1, resetMs: 500, retryAfterMs: 0, degraded: false });
    expect(await limiter.limit('a')).toMatchObject({ allowed: true, remaining: 0, resetMs: 1000 });
    expect(await limiter.limit('a')).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 500 });
    expect((await limiter.limit('b')).allowed).toBe(true);
    clock.advance(500);
    expect((await limiter.limit('a')).allowed).toBe(true);
    expect(limiter.stats()).toMatchObject({ allowed: 4, denied: 1, keys: 2, storeDown: false });
  });

  it('a request costing N spends N units; cost 0 only reads', () => {
    const limiter = new RateLimiter({ limits: { limit: 10, periodMs: 1000 }, clock: new ManualClock() });
    expect(limiter.limitSync('k', 7).remaining).toBe(3);
    expect(limiter.limitSync('k', 0)).toMatchObject({ allowed: true, remaining: 3 });
    expect(limiter.limitSync('k', 4).allowed).toBe(false);
    expect(limiter.limitSync('k', 3).allowed).toBe(true);
  });

  it('several limits: 10/s and 20/min — the tighter one decides and is named', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({
      limits: [
        { limit: 10, periodMs: 1000, name: 'burst' },
        { limit: 20, periodMs: 60_000, name: 'minute' },
      ],
      clock,
    });
    for (let i = 0; i < 10; i++) limiter.limitSync('k');
    const d = limiter.limitSync('k');
    expect(d).toMatchObject({ allowed: false });
    expect(d.rule.name).toBe('burst');
    clock.advance(1000);
    for (let i = 0; i < 10; i++) expect(limiter.limitSync('k').allowed).toBe(true);
    const m = limiter.limitSync('k');
    expect(m.allowed).toBe(false);
    expect(m.rule.name).toBe('minute');
  });

  it('reset(key) restores the full quota', async () => {
    const limiter = new RateLimiter({ limits: { limit: 1, periodMs: 60_000 }, clock: new ManualClock() });
    await limiter.limit('k');
    expect((await limiter.limit('k')).allowed).toBe(false);
    await limiter.reset('k');
    expect((await limiter.limit('k')).allowed).toBe(true);
  });

  it('emits denied with the decision, only to listeners', async () => {
    const limiter = new RateLimiter({ limits: { limit: 1, periodMs: 1000 }, clock: new ManualClock() });
    const seen: string[] = [];
    const off = limiter.on('denied', (e) => seen.push(`${e.key}:${e.cost}:${e.decision.allowed}`));
    await limiter.limit('k');
    await limiter.limit('k');
    off();
    await limiter.limit('k');
    expect(seen).toEqual(['k:1:false']);
  });
});

describe('bad input', () => {
  it('a cost above the burst is rejected with a clear error, not allowed or refused forever', async () => {
    const limiter = new RateLimiter({ limits: { limit: 10, periodMs: 1000, burst: 5 } });
    const e = await limiter.limit('k', 6).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CostExceedsBurstError);
    expect(isScalingError(e, 'ERR_RATE_LIMIT_COST')).toBe(true);
    expect((e as Error).message).toMatch(/at most 5/);
    expect(() => limiter.limitSync('k', 6)).toThrow(CostExceedsBurstError);
    expect((await limiter.limit('k', 5)).allowed).toBe(true);
  });

  it.each([
    [{ limits: { limit: 0, periodMs: 1000 } }, RangeError, /limits.limit/],
    [{ limits: { limit: -1, periodMs: 1000 } }, RangeError, /limits.limit/],
    [{ limits: { limit: 2.5, periodMs: 1000 } }, RangeError, /limits.limit/],
    [{ limits: { limit: 10, periodMs: Number.NaN } }, RangeError, /limits.periodMs/],
    [{ limits: { limit: 10, periodMs: 0 } }, RangeError, /limits.periodMs/],
    [{ limits: { limit: 10, periodMs: Number.POSITIVE_INFINITY } }, RangeError, /limits.periodMs/],
    [{ limits: { limit: 10, periodMs: '1s' } }, TypeError, /limits.periodMs/],
    [{ limits: { limit: 10, periodMs: 1000, burst: 0 } }, RangeError, /burst/],
    [{ limits: [] }, TypeError, /limits/],
    [
      {
        limits: [
          { limit: 1, periodMs: 1, name: 'x' },
          { limit: 2, periodMs: 2, name: 'x' },
        ],
      },
      TypeError,
      /distinct/,
    ],
    [{ limits: { limit: 1, periodMs: 1000, burst: 3 }, algorithm: 'sliding-window-log' }, TypeError, /burst/],
    [{ limits: { limit: 1, periodMs: 1000 }, algorithm: 'fixed-window' }, TypeError, /algorithm/],
    [{ limits: { limit: 1, periodMs: 1000 }, maxKeys: 0 }, RangeError, /maxKeys/],
    [{ limits: { limit: 1, periodMs: 1000 }, clock: {} }, TypeError, /clock/],
  ])('rejects %j', (options, type, message) => {
    expect(() => new RateLimiter(options as never)).toThrow(type);
    expect(() => new RateLimiter(options as never)).toThrow(message);
  });

  it('unknown options are errors, with a hint for options from other libraries', () => {
    expect(() => new RateLimiter({ limits: { limit: 1, periodMs: 1 }, points: 5 } as never)).toThrow(/Unknown option `points`.*limits/);
    expect(() => new RateLimiter({ limits: { limit: 1, periodMs: 1, windowMs: 5 } } as never)).toThrow(
      /Unknown option `windowMs`.*periodMs/,
    );
    expect(
      () => new RateLimiter({ limits: { limit: 1, periodMs: 1 }, redis: { client: () => Promise.resolve(), timeout: 5 } } as never),
    ).toThrow(/Unknown option `timeout`/);
    expect(() => new RateLimiter({ limits: { limit: 1, periodMs: 1 }, redis: { client: 42 } } as never)).toThrow(/redis.client/);
    expect(
      () => new RateLimiter({ limits: { limit: 1, periodMs: 1 }, redis: { client: () => Promise.resolve(), prefix: 'a{b' } } as never),
    ).toThrow(/prefix/);
  });

  it('a bad key or cost is a TypeError/RangeError (as a rejection from limit())', async () => {
    const limiter = new RateLimiter({ limits: { limit: 10, periodMs: 1000 } });
    await expect(limiter.limit(42 as never)).rejects.toThrow(TypeError);
    await expect(limiter.limit('k', -1)).rejects.toThrow(RangeError);
    await expect(limiter.limit('k', 1.5)).rejects.toThrow(RangeError);
    await expect(limiter.limit('k', Number.NaN)).rejects.toThrow(RangeError);
  });
});

describe('Redis down (fake client, virtual time)', () => {
  const base = { limits: { limit: 6, periodMs: 1000 } };

  it('fail-open allows, fail-closed refuses, both marked degraded; one store-down event, store-up on recovery', async () => {
    for (const whenDown of ['fail-open', 'fail-closed'] as const) {
      const clock = new ManualClock();
      const redis = fakeRedis();
      const limiter = new RateLimiter({ ...base, clock, redis: { client: redis.client, whenDown, retryIntervalMs: 1000 } });
      const events: string[] = [];
      limiter.on('store-down', (e) => events.push(`down:${e.error.code}:${e.whenDown}`));
      limiter.on('store-up', () => events.push('up'));
      expect((await limiter.limit('k')).degraded).toBe(false);
      redis.mode = 'fail';
      const d = await limiter.limit('k');
      expect(d).toMatchObject({ allowed: whenDown === 'fail-open', degraded: true });
      // within retryIntervalMs Redis is not asked again
      const calls = redis.calls;
      await limiter.limit('k');
      expect(redis.calls).toBe(calls);
      redis.mode = 'ok';
      clock.advance(1000);
      expect((await limiter.limit('k')).degraded).toBe(false);
      expect(events).toEqual([`down:ERR_RATE_LIMIT_STORE:${whenDown}`, 'up']);
      expect(limiter.stats()).toMatchObject({ degraded: 2, storeErrors: 1, storeDown: false });
    }
  });

  it('a Redis that never answers costs at most commandTimeoutMs, then the policy decides (never hangs)', async () => {
    const clock = new ManualClock();
    const redis = fakeRedis();
    redis.mode = 'hang';
    const limiter = new RateLimiter({ ...base, clock, redis: { client: redis.client, commandTimeoutMs: 50, whenDown: 'fail-closed' } });
    let error: unknown;
    limiter.on('store-down', (e) => {
      error = e.error;
    });
    const pending = limiter.limit('k');
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await clock.advanceAsync(49);
    expect(settled).toBe(false);
    await clock.advanceAsync(1);
    expect(settled).toBe(true);
    expect(await pending).toMatchObject({ allowed: false, degraded: true, retryAfterMs: 1000 });
    expect((error as Error).message).toMatch(/within 50 ms/);
  });

  it("'local' falls back to the in-process limiter with the quota divided by the instances", async () => {
    const clock = new ManualClock();
    const redis = fakeRedis();
    redis.mode = 'fail';
    const limiter = new RateLimiter({ ...base, clock, redis: { client: redis.client, whenDown: 'local', instances: 3 } });
    const allowed: boolean[] = [];
    for (let i = 0; i < 4; i++) allowed.push((await limiter.limit('k')).allowed);
    expect(allowed).toEqual([true, true, false, false]); // 6 / 3 = 2 per instance
    expect(limiter.stats()).toMatchObject({ degraded: 4, keys: 1 });
  });
});
