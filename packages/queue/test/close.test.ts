import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

describe('close', () => {
  it('drain (default): rejects new adds with ERR_QUEUE_CLOSED, runs everything accepted, resumes a paused queue', async () => {
    const q = new Queue({ concurrency: 1, paused: true });
    const ran: number[] = [];
    const accepted = [1, 2, 3].map((i) => q.add(async () => void ran.push(i)));
    const closed = track(q.close());
    const late = track(q.add(async () => void ran.push(99)));
    await Promise.all(accepted);
    await flush();
    expect(ran).toEqual([1, 2, 3]);
    expect(isScalingError(late.reason, 'ERR_QUEUE_CLOSED')).toBe(true);
    expect(closed.state).toBe('fulfilled');
    expect(q.isClosed).toBe(true);
  });

  it('drain: false rejects what has not started, waits for what runs', async () => {
    const q = new Queue({ concurrency: 1 });
    const gate = deferred<string>();
    const running = track(q.add(() => gate.promise));
    const queued = track(q.add(async () => 'never'));
    const closed = track(q.close({ drain: false }));
    await flush();
    expect(isScalingError(queued.reason, 'ERR_QUEUE_CLOSED')).toBe(true);
    expect(closed.state).toBe('pending');
    gate.resolve('done');
    await flush();
    expect(running.value).toBe('done');
    expect(closed.state).toBe('fulfilled');
  });

  it('at the timeoutMs deadline everything unsettled rejects and close resolves', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, clock, timeoutMs: 10_000 });
    let signal: AbortSignal | undefined;
    const stuck = track(
      q.add((ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      }),
    );
    const queued = track(q.add(async () => 'x'));
    const closed = track(q.close({ timeoutMs: 500 }));
    await clock.advanceAsync(499);
    expect(closed.state).toBe('pending');
    await clock.advanceAsync(1);
    await flush();
    expect(closed.state).toBe('fulfilled');
    expect(isScalingError(stuck.reason, 'ERR_QUEUE_CLOSED')).toBe(true);
    expect(isScalingError(queued.reason, 'ERR_QUEUE_CLOSED')).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(q.pending).toBe(0);
  });

  it('calling close twice returns the same promise', () => {
    const q = new Queue();
    expect(q.close()).toBe(q.close());
  });
});
