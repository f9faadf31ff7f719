import { isScalingError, ManualClock, TimeoutError } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

describe('timeouts', () => {
  it('reject with ERR_TIMEOUT, abort the task signal, and free the slot in the same timer callback', async () => {
    const clock = new ManualClock();
    const failed: unknown[] = [];
    const q = new Queue({ concurrency: 1, clock, onFailed: (e, info) => failed.push([e, info]) });
    let signal: AbortSignal | undefined;
    const slow = track(
      q.add(
        (ctx) => {
          signal = ctx.signal;
          return new Promise(() => {});
        },
        { timeoutMs: 50 },
      ),
    );
    let nextStartedAt = -1;
    const next = track(q.add(async () => void (nextStartedAt = clock.now())));
    clock.advance(49);
    expect(q.pending).toBe(1);
    expect(signal?.aborted).toBe(false);
    clock.advance(1); // synchronous: no promise callback has had a chance to run yet
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(TimeoutError);
    expect(nextStartedAt).toBe(50); // the slot was handed on inside the timer callback
    await flush();
    expect(isScalingError(slow.reason, 'ERR_TIMEOUT')).toBe(true);
    expect((slow.reason as TimeoutError).timeoutMs).toBe(50);
    expect(next.state).toBe('fulfilled');
    expect(q.counters.timedOut).toBe(1);
    expect(q.counters.failed).toBe(1);
    expect(failed).toHaveLength(1);
    expect((failed[0] as [unknown, { timedOut: boolean }])[1].timedOut).toBe(true);
  });

  it('a task that finishes after timing out changes nothing (its result is ignored, its record is recycled later)', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, timeoutMs: 10, clock });
    const late = deferred<string>();
    const t = track(q.add(() => late.promise));
    clock.advance(10);
    const other = deferred<string>();
    const o = track(q.add(() => other.promise));
    late.resolve('late');
    await flush();
    expect(t.state).toBe('rejected');
    expect(o.state).toBe('pending');
    expect(q.pending).toBe(1);
    other.resolve('other');
    await flush();
    expect(o.value).toBe('other');
    expect(q.counters.completed).toBe(1);
  });

  it('a signal read after the timeout is already aborted', async () => {
    const clock = new ManualClock();
    const q = new Queue({ timeoutMs: 5, clock });
    const gate = deferred();
    let aborted: boolean | undefined;
    void q
      .add(async (ctx) => {
        await gate.promise;
        aborted = ctx.signal.aborted;
      })
      .catch(() => {});
    clock.advance(5);
    gate.resolve();
    await flush();
    expect(aborted).toBe(true);
  });

  it('per-task timeoutMs overrides the queue default; Infinity disables it', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 2, timeoutMs: 10, clock });
    const a = track(q.add(() => new Promise(() => {}), { timeoutMs: Number.POSITIVE_INFINITY }));
    const b = track(q.add(() => new Promise(() => {}), { timeoutMs: 100 }));
    await clock.advanceAsync(99);
    expect(a.state).toBe('pending');
    expect(b.state).toBe('pending');
    await clock.advanceAsync(1);
    expect(b.state).toBe('rejected');
    expect(a.state).toBe('pending');
  });
});
