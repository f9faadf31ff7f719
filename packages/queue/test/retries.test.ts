import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type FailureInfo, Queue } from '../src/index.js';
import { flush, track } from './_helpers.js';

describe('retries and the dead-letter hook', () => {
  it('retries up to `attempts` with the backoff between, then rejects and calls onFailed once', async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const dead: Array<[unknown, FailureInfo]> = [];
    const q = new Queue({
      clock,
      retry: {
        attempts: 3,
        backoff: (n) => {
          delays.push(n);
          return 100 * n;
        },
      },
      onFailed: (e, info) => dead.push([e, info]),
    });
    const attempts: Array<[number, number]> = [];
    const t = track(
      q.add(
        async ({ attempt }) => {
          attempts.push([attempt, clock.now()]);
          throw new Error(`attempt ${attempt}`);
        },
        { priority: 2 },
      ),
    );
    await clock.advanceAsync(1_000);
    expect(attempts).toEqual([
      [1, 0],
      [2, 100],
      [3, 300],
    ]);
    expect(delays).toEqual([1, 2]);
    expect(t.state).toBe('rejected');
    expect((t.reason as Error).message).toBe('attempt 3');
    expect(dead).toEqual([[t.reason, { reason: 'error', attempts: 3, priority: 2, timedOut: false, task: expect.any(Function) }]]);
    expect(q.counters).toMatchObject({ retried: 2, failed: 1, completed: 0 });
  });

  it('stops retrying when retryIf says no, and succeeds when a retry succeeds', async () => {
    const clock = new ManualClock();
    const q = new Queue({ clock, retry: { attempts: 5, backoff: () => 1, retryIf: (e) => (e as Error).message !== 'fatal' } });
    let n = 0;
    const fatal = track(
      q.add(async () => {
        n++;
        throw new Error('fatal');
      }),
    );
    const flaky = track(
      q.add(async ({ attempt }) => {
        if (attempt < 3) throw new Error('flaky');
        return attempt;
      }),
    );
    await clock.advanceAsync(10);
    expect(n).toBe(1);
    expect(fatal.state).toBe('rejected');
    expect(flaky.value).toBe(3);
  });

  it('a retry waiting out its backoff holds no slot, counts for onIdle, and can be aborted or cleared', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, clock, retry: { attempts: 2, backoff: () => 100 } });
    const c = new AbortController();
    const t = track(
      q.add(
        async () => {
          throw new Error('x');
        },
        { signal: c.signal },
      ),
    );
    await flush();
    expect(q.pending).toBe(0);
    expect(q.retrying).toBe(1);
    const idle = track(q.onIdle());
    await flush();
    expect(idle.state).toBe('pending');
    c.abort(new Error('gave up'));
    await flush();
    expect((t.reason as Error).message).toBe('gave up');
    expect(idle.state).toBe('fulfilled');
    expect(clock.pendingTimers).toBe(0);
  });

  it('uses exponential backoff with full jitter from core by default', async () => {
    const clock = new ManualClock();
    const q = new Queue({ clock, retry: { attempts: 2 } });
    let runs = 0;
    void q
      .add(async () => {
        runs++;
        throw new Error('x');
      })
      .catch(() => {});
    await flush();
    expect(runs).toBe(1);
    await clock.advanceAsync(100); // first retry delay is uniform in [0, 100]
    expect(runs).toBe(2);
  });

  it('errors thrown by onFailed are ignored and do not break the queue', async () => {
    const q = new Queue({
      onFailed: () => {
        throw new Error('hook');
      },
    });
    await expect(q.add(() => Promise.reject(new Error('task')))).rejects.toThrow('task');
    await expect(q.add(async () => 1)).resolves.toBe(1);
  });

  it('never retries a timeout, and close({ drain: false }) rejects a task waiting out its backoff', async () => {
    const clock = new ManualClock();
    const q = new Queue({ clock, timeoutMs: 10, retry: { attempts: 5, backoff: () => 1_000 } });
    let runs = 0;
    const timedOut = track(
      q.add(() => {
        runs++;
        return new Promise(() => {});
      }),
    );
    await clock.advanceAsync(10);
    expect(timedOut.state).toBe('rejected');
    expect(runs).toBe(1);
    const backingOff = track(q.add(() => Promise.reject(new Error('again'))));
    await flush();
    expect(q.retrying).toBe(1);
    await q.close({ drain: false });
    await flush();
    expect((backingOff.reason as { code?: string }).code).toBe('ERR_QUEUE_CLOSED');
    expect(q.retrying).toBe(0);
  });
});
