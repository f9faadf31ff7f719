import { ManualClock } from '@scaling/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { BrokenCircuitError, bulkhead, circuitBreaker, fallback, hedge, pipeline, retry, timeout, wrap } from '../src/index.js';
import { track } from './_helpers.js';

describe('composition', () => {
  it('pipeline orders members fallback → timeout → retry → hedge → breaker → bulkhead → attemptTimeout whatever the key order', () => {
    const clock = new ManualClock();
    const parts = {
      attemptTimeout: timeout(100, { clock }),
      bulkhead: bulkhead({ maxConcurrent: 1 }),
      breaker: circuitBreaker({ clock }),
      hedge: hedge({ delay: 10, clock }),
      retry: retry({ clock }),
      timeout: timeout(1_000, { clock }),
      fallback: fallback(() => 0),
    };
    const p = pipeline(parts);
    expect(p.policies).toEqual([
      parts.fallback,
      parts.timeout,
      parts.retry,
      parts.hedge,
      parts.breaker,
      parts.bulkhead,
      parts.attemptTimeout,
    ]);
  });

  it('each retry passes the breaker: an open breaker stops the retries, and the fallback answers', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 2 } });
    const policy = pipeline({ fallback: fallback(() => 'cached'), retry: retry({ clock, backoff: () => 0, maxAttempts: 5 }), breaker });
    let calls = 0;
    const value = await policy.execute(() => {
      calls++;
      throw new Error('down');
    });
    expect(value).toBe('cached');
    expect(calls).toBe(2);
    expect(breaker.state).toBe('open');
  });

  it('the context type is inferred from the members', async () => {
    const clock = new ManualClock();
    const p = pipeline({ timeout: timeout(1_000, { clock }), retry: retry({ clock }), hedge: hedge({ delay: 5, clock }) });
    await p.execute((ctx) => {
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
      expectTypeOf(ctx.remainingMs).toEqualTypeOf<number>();
      expectTypeOf(ctx.hedge).toEqualTypeOf<number>();
      return [ctx.attempt, ctx.hedge, ctx.remainingMs];
    });
    const w = wrap(retry({ clock }), circuitBreaker({ clock }));
    await w.execute((ctx) => {
      expectTypeOf(ctx).toHaveProperty('attempt');
      // @ts-expect-error no timeout in this composition
      void ctx.remainingMs;
      return ctx.attempt;
    });
  });

  it('free composition: a retry inside the bulkhead keeps its slot; wrap nests compositions', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1 });
    const inner = wrap(retry({ clock, backoff: () => 10, maxAttempts: 2 }));
    const policy = wrap(b, inner);
    const p = track(policy.execute(({ attempt }) => (attempt === 1 ? Promise.reject(new Error('x')) : 'second')));
    await clock.advanceAsync(5);
    expect(b.active).toBe(1);
    await clock.advanceAsync(10);
    expect(p.value).toBe('second');
    expect(b.active).toBe(0);
  });

  it('an open breaker rejection is typed inside a composition', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock });
    breaker.isolate();
    breaker.reset();
    const policy = wrap(timeout(100, { clock }), breaker);
    const b2 = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 } });
    await b2.execute(() => Promise.reject(new Error('x'))).catch(() => {});
    await expect(wrap(timeout(100, { clock }), b2).execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(await policy.execute(() => 1)).toBe(1);
  });

  it('dispose of a composition disposes every member', async () => {
    const clock = new ManualClock();
    const r = retry({ clock });
    const p = wrap(r, timeout(10, { clock }));
    p.dispose();
    await expect(r.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_POLICY_DISPOSED' });
    await expect(p.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_POLICY_DISPOSED' });
  });
});
