import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  concurrencyBudget,
  DeadlineExceededError,
  PolicyDisposedError,
  parseRetryAfter,
  RetryBudgetExhaustedError,
  rateBudget,
  retry,
  timeout,
  wrap,
} from '../src/index.js';
import { AttemptError, flush, track } from './_helpers.js';

describe('retry', () => {
  it('makes at most maxAttempts attempts and rethrows the last error', async () => {
    const policy = retry({ maxAttempts: 3, backoff: () => 0 });
    const seen: number[] = [];
    const e = await policy
      .execute(({ attempt }) => {
        seen.push(attempt);
        throw new AttemptError(attempt);
      })
      .catch((x: unknown) => x);
    expect(seen).toEqual([1, 2, 3]);
    expect((e as AttemptError).n).toBe(3);
    expect(policy.stats()).toMatchObject({ calls: 1, attempts: 3, retries: 2 });
  });

  it('waits the full-jitter backoff from core between attempts, on the given clock', async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const policy = retry({ clock, random: seededRandom(1), maxAttempts: 4, backoff: { baseMs: 100, maxMs: 1_000 } });
    policy.on('retry', (e) => delays.push(e.delayMs));
    const times: number[] = [];
    const p = track(
      policy.execute(({ attempt }) => {
        times.push(clock.now());
        if (attempt < 4) throw new Error('again');
        return 'done';
      }),
    );
    await clock.advanceAsync(10_000);
    expect(p.value).toBe('done');
    expect(delays).toHaveLength(3);
    delays.forEach((d, k) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(100 * 2 ** k);
    });
    expect(times[3]).toBeCloseTo((delays[0] ?? 0) + (delays[1] ?? 0) + (delays[2] ?? 0));
  });

  it('retryOn sees results too: an HTTP 503 is retried, a 200 is returned', async () => {
    const statuses = [503, 503, 200];
    const policy = retry({ backoff: () => 0, retryOn: (r) => (r.ok ? (r.value as { status: number }).status === 503 : true) });
    const res = await policy.execute(({ attempt }) => ({ status: statuses[attempt - 1] }));
    expect(res).toEqual({ status: 200 });
  });

  it('when attempts run out on a result, the last result is returned', async () => {
    const policy = retry({ maxAttempts: 2, backoff: () => 0, retryOn: (r) => r.ok && r.value === 503 });
    expect(await policy.execute(() => 503)).toBe(503);
  });

  it('does not retry this package’s refusals by default (an open breaker)', async () => {
    const policy = retry({ backoff: () => 0 });
    let n = 0;
    await expect(
      policy.execute(() => {
        n++;
        throw new BrokenCircuitError('open', 100, 'open');
      }),
    ).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(n).toBe(1);
  });

  it('honours Retry-After: the delay is the larger of it and the backoff; beyond maxRetryAfterMs it gives up', async () => {
    const clock = new ManualClock();
    const policy = retry({
      clock,
      backoff: () => 10,
      retryAfter: (r) => (r.ok ? undefined : (r.error as { after: number }).after),
      maxRetryAfterMs: 5_000,
    });
    const times: number[] = [];
    const p = track(
      policy.execute(({ attempt }) => {
        times.push(clock.now());
        throw Object.assign(new Error('busy'), { after: attempt === 1 ? 2_000 : 9_000 });
      }),
    );
    await clock.advanceAsync(20_000);
    expect(times).toEqual([0, 2_000]);
    expect(p.state).toBe('rejected');
  });

  it('parseRetryAfter reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });

  it('no retry is scheduled when the remaining deadline is shorter than the next delay', async () => {
    const clock = new ManualClock();
    const inner = retry({ clock, backoff: () => 400, maxAttempts: 10, budget: false });
    const policy = wrap(timeout(1_000, { clock }), inner);
    const times: number[] = [];
    const p = track(
      policy.execute(({ attempt }) => {
        times.push(clock.now());
        return new Promise((_, reject) => clock.setTimeout(() => reject(new AttemptError(attempt)), 100));
      }),
    );
    await clock.advanceAsync(2_000);
    // attempts at 0 and 500; after the second fails at 600, 400 ms left is not more than the 400 ms delay
    expect(times).toEqual([0, 500]);
    expect(p.reason).toBeInstanceOf(DeadlineExceededError);
    expect(((p.reason as DeadlineExceededError).cause as AttemptError).n).toBe(2);
    expect(inner.stats().deadlineRefusals).toBe(1);
  });

  it('the budget refuses a retry: RetryBudgetExhaustedError with the last error as cause, and an event', async () => {
    const budget = concurrencyBudget({ ratio: 0, minConcurrency: 0 });
    const policy = retry({ backoff: () => 0, budget });
    const events: unknown[] = [];
    policy.on('retry-budget-exhausted', (e) => events.push(e));
    const e = await policy.execute(() => Promise.reject(new AttemptError(1))).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RetryBudgetExhaustedError);
    expect(e).toMatchObject({ code: 'ERR_RETRY_BUDGET_EXHAUSTED', attempts: 1 });
    expect((e as Error).cause).toBeInstanceOf(AttemptError);
    expect(events).toEqual([{ attempt: 1 }]);
    expect(budget.stats()).toEqual({ activeRequests: 0, activeRetries: 0, granted: 0, refused: 1 });
  });

  it('Envoy-shaped budget: at most max(min, ratio × active requests) retries at once', () => {
    const b = concurrencyBudget({ ratio: 0.2, minConcurrency: 3 });
    for (let i = 0; i < 20; i++) b.requestStarted();
    const granted = Array.from({ length: 10 }, () => b.tryAcquireRetry()).filter(Boolean).length;
    expect(granted).toBe(4);
    b.retryFinished();
    expect(b.tryAcquireRetry()).toBe(true);
    expect(b.tryAcquireRetry()).toBe(false);
  });

  it('Finagle-shaped budget: retries ≤ reserve + percent × requests over the ttl window', () => {
    const clock = new ManualClock();
    const b = rateBudget({ clock, ttlMs: 1_000, minPerSecond: 2, percent: 0.1 });
    for (let i = 0; i < 30; i++) b.requestStarted();
    // reserve 2 + 10 % of 30 = 5
    expect(Array.from({ length: 10 }, () => b.tryAcquireRetry()).filter(Boolean).length).toBe(5);
    clock.advance(1_100);
    expect(Array.from({ length: 10 }, () => b.tryAcquireRetry()).filter(Boolean).length).toBe(2);
  });

  it('a caller’s abort during backoff stops at once, with no timer left behind', async () => {
    const clock = new ManualClock();
    const policy = retry({ clock, backoff: () => 1_000 });
    const c = new AbortController();
    const p = track(policy.execute(() => Promise.reject(new Error('x')), { signal: c.signal }));
    await flush();
    expect(clock.pendingTimers).toBe(1);
    c.abort(new Error('caller gave up'));
    await flush();
    expect((p.reason as Error).message).toBe('caller gave up');
    expect(clock.pendingTimers).toBe(0);
  });

  it('publishes retries on scaling:resilience:retry; use after dispose rejects', async () => {
    const seen: unknown[] = [];
    const l = (m: unknown): void => void seen.push(m);
    subscribe('scaling:resilience:retry', l);
    const policy = retry({ backoff: () => 0, maxAttempts: 2 });
    await policy.execute(({ attempt }) => (attempt === 1 ? Promise.reject(new Error('x')) : 1));
    unsubscribe('scaling:resilience:retry', l);
    expect(seen).toEqual([expect.objectContaining({ attempt: 1, delayMs: 0, source: policy })]);
    policy.dispose();
    await expect(policy.execute(() => 1)).rejects.toBeInstanceOf(PolicyDisposedError);
  });
});
