import { isScalingError } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

describe('backpressure', () => {
  it("rejects with ERR_QUEUE_FULL once maxQueued tasks wait (whenFull: 'reject')", async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 2 });
    const gate = deferred();
    void q.add(() => gate.promise);
    void q.add(async () => {});
    void q.add(async () => {});
    const full = track(q.add(async () => {}));
    await flush();
    expect(isScalingError(full.reason, 'ERR_QUEUE_FULL')).toBe(true);
    expect(q.counters.rejectedFull).toBe(1);
    gate.resolve();
    await q.onIdle();
  });

  it("waits for room in FIFO order with whenFull: 'wait', never exceeding maxQueued", async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 1, whenFull: 'wait' });
    const order: number[] = [];
    const gates = Array.from({ length: 5 }, () => deferred());
    const all = gates.map((g, i) =>
      q.add(async () => {
        order.push(i);
        await g.promise;
      }),
    );
    expect(q.pending).toBe(1);
    expect(q.size).toBe(1);
    expect(q.waitingForRoom).toBe(3);
    for (const g of gates) {
      g.resolve();
      await flush();
      expect(q.size).toBeLessThanOrEqual(1);
    }
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('a task waiting for room can be aborted; it never counts toward size', async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 1, whenFull: 'wait' });
    const gate = deferred();
    void q.add(() => gate.promise);
    void q.add(async () => {});
    const c = new AbortController();
    const waiting = track(q.add(async () => 'never', { signal: c.signal }));
    expect(q.waitingForRoom).toBe(1);
    c.abort('left');
    await flush();
    expect(waiting.reason).toBe('left');
    expect(q.waitingForRoom).toBe(0);
    expect(q.size).toBe(1);
    gate.resolve();
    await q.onIdle();
  });

  it('onSizeLessThan resolves at once when true, else on the size change that makes it true', async () => {
    const q = new Queue({ concurrency: 1 });
    const gates = Array.from({ length: 4 }, () => deferred());
    for (const g of gates) void q.add(() => g.promise);
    expect(q.size).toBe(3);
    const now = track(q.onSizeLessThan(4));
    const two = track(q.onSizeLessThan(2));
    await flush();
    expect(now.state).toBe('fulfilled');
    expect(two.state).toBe('pending');
    gates[0]?.resolve();
    await flush();
    expect(q.size).toBe(2);
    expect(two.state).toBe('pending');
    gates[1]?.resolve();
    await flush();
    expect(two.state).toBe('fulfilled');
    for (const g of gates) g.resolve();
    await q.onIdle();
  });

  it('onEmpty resolves when nothing waits even though a task still runs', async () => {
    const q = new Queue({ concurrency: 1 });
    const a = deferred();
    const b = deferred();
    void q.add(() => a.promise);
    void q.add(() => b.promise);
    const empty = track(q.onEmpty());
    a.resolve();
    await flush();
    expect(empty.state).toBe('fulfilled');
    expect(q.pending).toBe(1);
    b.resolve();
    await q.onIdle();
  });
});
