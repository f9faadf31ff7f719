import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { concurrencyBudget, hedge } from '../src/index.js';
import { track } from './_helpers.js';

/** A call that answers after `ms` on `clock`, or rejects with the signal's reason when aborted first. */
function slowCall(clock: ManualClock, ms: number, value: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const t = clock.setTimeout(() => resolve(value), ms);
    signal.addEventListener('abort', () => {
      clock.clearTimeout(t);
      reject(signal.reason);
    });
  });
}

describe('hedge', () => {
  it('starts a hedge after the delay; the first success wins and the other attempt is aborted', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 20, budget: false });
    const signals: AbortSignal[] = [];
    const p = track(
      policy.execute(({ hedge: k, signal }) => {
        signals.push(signal);
        return slowCall(clock, k === 0 ? 200 : 10, `attempt ${k}`, signal);
      }),
    );
    await clock.advanceAsync(30);
    expect(p.value).toBe('attempt 1');
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    expect(policy.stats()).toMatchObject({ calls: 1, hedges: 1, hedgeWins: 1 });
  });

  it('a fast primary means no hedge at all', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 20 });
    let n = 0;
    const p = track(
      policy.execute(({ signal }) => {
        n++;
        return slowCall(clock, 5, 'fast', signal);
      }),
    );
    await clock.advanceAsync(100);
    expect(p.value).toBe('fast');
    expect(n).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('at most maxHedges extra attempts; a failure starts the next one at once; all failing rejects with the last error', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: 50, maxHedges: 2, budget: false });
    const started: number[] = [];
    const p = track(
      policy.execute(({ hedge: k }) => {
        started.push(clock.now());
        return new Promise((_, reject) => clock.setTimeout(() => reject(new Error(`h${k}`)), 10));
      }),
    );
    await clock.advanceAsync(500);
    expect(started).toEqual([0, 10, 20]);
    expect((p.reason as Error).message).toBe('h2');
  });

  it('the budget caps hedges', async () => {
    const clock = new ManualClock();
    const budget = concurrencyBudget({ ratio: 0, minConcurrency: 1 });
    const policy = hedge({ clock, delay: 10, budget });
    const calls = [0, 1, 2].map(() => track(policy.execute(({ signal }) => slowCall(clock, 100, 'x', signal))));
    await clock.advanceAsync(200);
    expect(calls.every((c) => c.value === 'x')).toBe(true);
    expect(policy.stats()).toMatchObject({ hedges: 1, budgetRefusals: 2 });
    expect(budget.stats()).toMatchObject({ activeRequests: 0, activeRetries: 0 });
  });

  it('a quantile delay follows the latencies of recent calls', async () => {
    const clock = new ManualClock();
    const policy = hedge({ clock, delay: { quantile: 0.9, initialMs: 1_000, minSamples: 32 }, budget: false });
    for (let i = 0; i < 64; i++) {
      const p = policy.execute(({ signal }) => slowCall(clock, 10 + (i % 10), 'x', signal));
      await clock.advanceAsync(20);
      await p;
    }
    expect(policy.stats().delayMs).toBe(18); // the 58th of 64 sorted latencies
  });
});
