import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, PolicyDisposedError, retry, timeout, wrap } from '../src/index.js';
import { AttemptError, flush, never, track } from './_helpers.js';

describe('timeout and deadlines', () => {
  it('rejects with DeadlineExceededError (ERR_DEADLINE_EXCEEDED) at the deadline and aborts the signal with it', async () => {
    const clock = new ManualClock();
    const policy = timeout(100, { clock });
    let signal: AbortSignal | undefined;
    const p = track(
      policy.execute((ctx) => {
        signal = ctx.signal;
        return never();
      }),
    );
    await clock.advanceAsync(99);
    expect(p.state).toBe('pending');
    await clock.advanceAsync(1);
    expect(p.reason).toBeInstanceOf(DeadlineExceededError);
    expect(p.reason).toMatchObject({ code: 'ERR_DEADLINE_EXCEEDED', name: 'DeadlineExceededError', timeoutMs: 100 });
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(p.reason);
    expect(policy.stats()).toEqual({ calls: 1, timedOut: 1, pending: 0, completed: 0, cancelled: 0 });
  });

  it('the signal is created only when read', async () => {
    const OriginalController = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends OriginalController {
      constructor() {
        super();
        made++;
      }
    };
    try {
      const policy = timeout(100, { clock: new ManualClock() });
      await policy.execute(() => 1);
      expect(made).toBe(0);
      await policy.execute(({ signal }) => signal.aborted);
      expect(made).toBe(1);
    } finally {
      globalThis.AbortController = OriginalController;
    }
  });

  it('one timer serves many calls in flight (deadlines arrive in order)', () => {
    const clock = new ManualClock();
    const policy = timeout(100, { clock });
    for (let i = 0; i < 50; i++) void policy.execute(() => never()).catch(() => {});
    expect(clock.pendingTimers).toBe(1);
    clock.advance(100);
    expect(policy.stats()).toMatchObject({ timedOut: 50, pending: 0 });
  });

  it('remainingMs reads the nearest deadline; nested timeouts take the earlier one', async () => {
    const clock = new ManualClock();
    const policy = wrap(timeout(1_000, { clock }), timeout(5_000, { clock }));
    const seen: number[] = [];
    const p = policy.execute(async (ctx) => {
      seen.push(ctx.remainingMs);
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 300));
      seen.push(ctx.remainingMs);
      return 'ok';
    });
    await clock.advanceAsync(300);
    expect(await p).toBe('ok');
    expect(seen).toEqual([1_000, 700]);
  });

  it('total timeout over a retry: the sleeps count, and the cause is the last failed attempt', async () => {
    const clock = new ManualClock();
    const policy = wrap(timeout(250, { clock }), retry({ clock, backoff: () => 100, maxAttempts: 10, budget: false }));
    const p = track(policy.execute(({ attempt }) => Promise.reject(new AttemptError(attempt))));
    await clock.advanceAsync(300);
    expect(p.reason).toBeInstanceOf(DeadlineExceededError);
    // attempts at 0, 100, 200; a retry at 300 would pass the deadline
    expect(((p.reason as DeadlineExceededError).cause as AttemptError).n).toBe(3);
  });

  it('per-attempt timeout inside a retry: a timed-out attempt is retried', async () => {
    const clock = new ManualClock();
    const policy = wrap(retry({ clock, backoff: () => 0, budget: false }), timeout(100, { clock }));
    const p = track(policy.execute(({ attempt }) => (attempt < 3 ? never() : 'third')));
    await clock.advanceAsync(250);
    expect(p.value).toBe('third');
  });

  it('dispose ends calls in flight with PolicyDisposedError and stops its timer', async () => {
    const clock = new ManualClock();
    const policy = timeout(100, { clock });
    const p = track(policy.execute(() => never()));
    policy.dispose();
    await flush();
    expect(p.reason).toBeInstanceOf(PolicyDisposedError);
    expect(clock.pendingTimers).toBe(0);
    await expect(policy.execute(() => 1)).rejects.toMatchObject({ code: 'ERR_POLICY_DISPOSED' });
  });
});
