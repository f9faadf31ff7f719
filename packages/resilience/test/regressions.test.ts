import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isScalingError, ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, bulkhead, circuitBreaker, DeadlineExceededError, retry, timeout, wrap } from '../src/index.js';
import { AttemptError, flush, track } from './_helpers.js';

describe('regressions from peers’ trackers', () => {
  it('opossum #119 / Polly #216: after the break, 50 concurrent calls with a 1 s trial — exactly halfOpen.calls reach the callee, the rest fail fast with retryAfterMs', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'consecutive', failures: 1 },
      breakDurationMs: 1_000,
      halfOpen: { calls: 2, trialTimeoutMs: 5_000 },
    });
    await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    clock.advance(1_000);
    let reached = 0;
    const calls = Array.from({ length: 50 }, () =>
      track(
        breaker.execute(async () => {
          reached++;
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 1_000));
          return 'ok';
        }),
      ),
    );
    await flush();
    expect(reached).toBe(2);
    const rejected = calls.filter((c) => c.state === 'rejected');
    expect(rejected).toHaveLength(48);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(BrokenCircuitError);
      expect((r.reason as BrokenCircuitError).state).toBe('half-open');
      expect((r.reason as BrokenCircuitError).retryAfterMs).toBeGreaterThan(0);
    }
    await clock.advanceAsync(1_000);
    expect(calls.filter((c) => c.state === 'fulfilled')).toHaveLength(2);
    expect(breaker.state).toBe('closed');
  });

  it('opossum #276 / resilience4j #935: a half-open trial that never settles re-opens the breaker after the trial timeout, with the next backoff step', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'consecutive', failures: 1 },
      breakDurationMs: 1_000,
      breakBackoffFactor: 2,
      halfOpen: { calls: 1, trialTimeoutMs: 300 },
    });
    const states: string[] = [];
    breaker.on('breaker-state', (e) => states.push(`${e.to}${e.breakMs === undefined ? '' : `:${e.breakMs}`}`));
    await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow();
    clock.advance(1_000);
    const hung = track(breaker.execute(() => new Promise(() => {})));
    await flush();
    expect(breaker.state).toBe('half-open');
    clock.advance(300);
    expect(breaker.state).toBe('open');
    // the next break is twice as long, and it ends too: no state lasts forever
    clock.advance(1_999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
    expect(states).toEqual(['open:1000', 'half-open', 'open:2000', 'half-open']);
    expect(hung.state).toBe('pending');
    expect(clock.pendingTimers).toBe(0);
  });

  it('opossum #217: a fresh breaker with a 50 % threshold sees one failure — no transition before minimumThroughput calls', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, failureRatio: 0.5, minimumThroughput: 4, window: { type: 'count', size: 10 } });
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(breaker.state).toBe('closed');
    await breaker.execute(() => 1);
    await breaker.execute(() => 1);
    expect(breaker.state).toBe('closed');
    // the fourth call reaches the minimum: 2 failures of 4 = 50 %
    await expect(breaker.execute(() => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(breaker.state).toBe('open');
  });

  it('cockatiel #81, #69: retry(∞, budget off) + timeout on one long-lived parent signal, 10,000 failing attempts — listener count returns to its start, heap stays flat', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const parent = new AbortController();
    const start = getEventListeners(parent.signal, 'abort').length;
    const run = async (attempts: number): Promise<number> => {
      const policy = wrap(retry({ maxAttempts: Number.POSITIVE_INFINITY, budget: false, backoff: () => 0 }), timeout(60_000));
      let peak = 0;
      const value = await policy.execute(
        ({ attempt, signal }) => {
          // read the signal every time (the costly path) and watch the parent's listeners
          void signal.aborted;
          peak = Math.max(peak, getEventListeners(parent.signal, 'abort').length);
          if (attempt < attempts) throw new AttemptError(attempt);
          return attempt;
        },
        { signal: parent.signal },
      );
      expect(value).toBe(attempts);
      expect(peak).toBeLessThanOrEqual(start + 1);
      policy.dispose();
      return peak;
    };
    await run(1_000); // warm up
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    await run(10_000);
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    expect(getEventListeners(parent.signal, 'abort').length).toBe(start);
    // 10,000 attempts leaking even a listener and a controller each would be several MB
    expect(after - before).toBeLessThan(1_000_000);
  });

  it('cockatiel #72: a successful call through timeout — its signal is not aborted afterwards', async () => {
    const clock = new ManualClock();
    const policy = timeout(1_000, { clock });
    let seen: AbortSignal | undefined;
    const value = await policy.execute(({ signal }) => {
      seen = signal;
      return 'body';
    });
    expect(value).toBe('body');
    clock.advance(5_000);
    expect(seen?.aborted).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cockatiel PR #114: bulkhead(1, queue 10) — queue 10 callers, abort all, call once more: it runs at once and the queue is empty', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 10 });
    const controllers = Array.from({ length: 11 }, () => new AbortController());
    const running = track(
      b.execute(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })), {
        signal: (controllers[0] as AbortController).signal,
      }),
    );
    const queued = controllers.slice(1).map((c) => track(b.execute(() => 'never', { signal: c.signal })));
    await flush();
    expect(b.queueLength).toBe(10);
    for (const c of controllers) c.abort();
    expect(b.queueLength).toBe(0);
    await flush();
    expect(running.state).toBe('rejected');
    for (const q of queued) expect(q.state).toBe('rejected');
    let ran = false;
    const next = track(
      b.execute(() => {
        ran = true;
        return 'ran';
      }),
    );
    expect(ran).toBe(true);
    await flush();
    expect(next.value).toBe('ran');
    expect(b.queueLength).toBe(0);
    expect(b.stats().abandoned).toBe(10);
  });

  it('Polly #2278, #489: an outer total timeout around an inner retry whose attempts keep failing — always the deadline error, cause = the last attempt’s error', async () => {
    for (const attemptMs of [10, 70, 333, 999]) {
      const clock = new ManualClock();
      const policy = wrap(
        timeout(1_000, { clock }),
        retry({
          clock,
          random: seededRandom(attemptMs),
          maxAttempts: Number.POSITIVE_INFINITY,
          budget: false,
          backoff: { baseMs: 50, maxMs: 200 },
        }),
      );
      const thrown: AttemptError[] = [];
      let lastBeforeDeadline: AttemptError | undefined;
      const p = track(
        policy
          .execute(async ({ attempt }) => {
            await new Promise<void>((resolve) => clock.setTimeout(resolve, attemptMs));
            const e = new AttemptError(attempt);
            thrown.push(e);
            throw e;
          })
          .catch((e: unknown) => {
            // an attempt still running at the deadline has no error yet: the cause is the one before it
            lastBeforeDeadline = thrown.at(-1);
            throw e;
          }),
      );
      await clock.advanceAsync(1_100);
      expect(p.state).toBe('rejected');
      expect(p.reason).toBeInstanceOf(DeadlineExceededError);
      expect(isScalingError(p.reason, 'ERR_DEADLINE_EXCEEDED')).toBe(true);
      expect(lastBeforeDeadline).toBeInstanceOf(AttemptError);
      expect((p.reason as DeadlineExceededError).cause).toBe(lastBeforeDeadline);
    }
  });
});
