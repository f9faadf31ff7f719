import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { BulkheadRejectedError, bulkhead, PolicyDisposedError } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

describe('bulkhead', () => {
  it('runs at most maxConcurrent, queues up to maxQueue in order, refuses the rest with ERR_BULKHEAD_REJECTED', async () => {
    const b = bulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const gates = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const run = (k: number) => () => {
      order.push(k);
      return gates[k]?.promise;
    };
    const calls = [0, 1, 2].map((k) => track(b.execute(run(k))));
    const refused = track(b.execute(() => 'x'));
    await flush();
    expect(order).toEqual([0, 1]);
    expect(refused.reason).toBeInstanceOf(BulkheadRejectedError);
    expect(refused.reason).toMatchObject({ code: 'ERR_BULKHEAD_REJECTED', reason: 'full' });
    gates[0]?.resolve();
    await flush();
    expect(order).toEqual([0, 1, 2]);
    expect(b.stats()).toMatchObject({ active: 2, queued: 0, rejected: 1 });
    gates[1]?.resolve();
    gates[2]?.resolve();
    await flush();
    expect(calls.every((c) => c.state === 'fulfilled')).toBe(true);
    expect(b.active).toBe(0);
  });

  it('a waiter times out after queueTimeoutMs and leaves the queue', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 100, clock });
    const gate = deferred();
    void b.execute(() => gate.promise);
    const waiting = track(b.execute(() => 'late'));
    await clock.advanceAsync(100);
    expect(waiting.reason).toMatchObject({ reason: 'queue-timeout' });
    expect(b.queueLength).toBe(0);
    gate.resolve();
  });

  it('acquire() hands out a lease that gives the slot back once', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const lease = await b.acquire();
    const next = track(b.acquire());
    await flush();
    expect(next.state).toBe('pending');
    lease.release();
    lease.release();
    await flush();
    expect(next.state).toBe('fulfilled');
    expect(b.active).toBe(1);
    const c = new AbortController();
    const aborted = track(b.acquire({ signal: c.signal }));
    c.abort(new Error('stop'));
    await flush();
    expect((aborted.reason as Error).message).toBe('stop');
    expect(b.queueLength).toBe(0);
  });

  it('dispose rejects waiters with PolicyDisposedError', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueue: 3 });
    void b.execute(() => new Promise(() => {}));
    const w = track(b.execute(() => 1));
    b.dispose();
    await flush();
    expect(w.reason).toBeInstanceOf(PolicyDisposedError);
    await expect(b.execute(() => 1)).rejects.toBeInstanceOf(PolicyDisposedError);
  });
});
