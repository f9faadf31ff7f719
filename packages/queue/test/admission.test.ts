import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type FailureInfo, Queue, QueueClearedError, QueueClosedError, QueueFullError } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

describe('knowing synchronously whether add would be accepted (isFull, tryAdd)', () => {
  it('isFull turns true exactly when add would refuse, and reading it changes nothing', async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 2 });
    const gate = deferred();
    expect(q.isFull).toBe(false);
    void q.add(() => gate.promise);
    expect(q.isFull).toBe(false);
    void q.add(async () => {});
    void q.add(async () => {});
    expect(q.isFull).toBe(true);
    const before = q.stats();
    for (let i = 0; i < 3; i++) expect(q.isFull).toBe(true);
    expect(q.stats()).toEqual(before); // a getter never changes state
    const refused = track(q.add(async () => {}));
    await flush();
    expect(isScalingError(refused.reason, 'ERR_QUEUE_FULL')).toBe(true);
    expect(refused.reason).toBeInstanceOf(QueueFullError);
    gate.resolve();
    await q.onIdle();
    expect(q.isFull).toBe(false);
  });

  it('tryAdd returns undefined (no rejection to handle) when full or closed, else the task promise', async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 1, whenFull: 'wait' });
    const gate = deferred<string>();
    const first = q.tryAdd(() => gate.promise);
    const second = q.tryAdd(async () => 'second');
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    expect(q.tryAdd(async () => 'third')).toBeUndefined(); // tryAdd never waits for room
    expect(q.waitingForRoom).toBe(0);
    expect(q.stats().rejectedFull).toBe(1);
    gate.resolve('first');
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    void q.close();
    expect(q.tryAdd(async () => 'late')).toBeUndefined();
  });

  it('isFull accounts for the rate limit and pause: with maxQueued 0 a blocked start means full', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 5, maxQueued: 0, rateLimit: { limit: 1, intervalMs: 100 }, clock });
    expect(q.isFull).toBe(false);
    const a = track(q.add(async () => 'a'));
    expect(q.isFull).toBe(true); // a slot is free, but the window holds one start
    expect(q.tryAdd(async () => 'b')).toBeUndefined();
    expect(clock.pendingTimers).toBe(0); // refusing armed no timer: an idle queue holds none
    clock.advance(100);
    expect(q.isFull).toBe(false);
    q.pause();
    expect(q.isFull).toBe(true);
    q.resume();
    await flush();
    expect(a.value).toBe('a');
  });
});

describe('maxQueued: 0 means never queue', () => {
  it("runs at once when a slot is free, else refuses at once ('reject')", async () => {
    const q = new Queue({ concurrency: 2, maxQueued: 0 });
    const gates = [deferred(), deferred()];
    const ran: number[] = [];
    const accepted = gates.map((g, i) =>
      q.add(async () => {
        ran.push(i);
        await g.promise;
      }),
    );
    expect(ran).toEqual([0, 1]); // both started synchronously
    const third = track(q.add(async () => void ran.push(2)));
    await flush();
    expect(isScalingError(third.reason, 'ERR_QUEUE_FULL')).toBe(true);
    expect(q.size).toBe(0);
    for (const g of gates) g.resolve();
    await Promise.all(accepted);
    await expect(q.add(async () => 'free again')).resolves.toBe('free again');
    expect(ran).toEqual([0, 1]);
  });

  it("with whenFull: 'wait', a waiting task takes the next free slot directly, in FIFO order", async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 0, whenFull: 'wait' });
    const order: number[] = [];
    const gates = Array.from({ length: 4 }, () => deferred());
    const all = gates.map((g, i) =>
      q.add(async () => {
        order.push(i);
        await g.promise;
      }),
    );
    expect(q.size).toBe(0);
    expect(q.waitingForRoom).toBe(3);
    for (const g of gates) {
      g.resolve();
      await flush();
      expect(q.size).toBe(0);
    }
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('maxQueued is readable and validated: negative or fractional values are RangeErrors', () => {
    expect(new Queue({ maxQueued: 0 }).maxQueued).toBe(0);
    expect(new Queue().maxQueued).toBe(Number.POSITIVE_INFINITY);
    expect(() => new Queue({ maxQueued: -1 })).toThrow(/Expected `maxQueued` to be a non-negative integer or Infinity, got -1/);
    expect(() => new Queue({ maxQueued: 0.5 })).toThrow(RangeError);
  });
});

describe('the dead-letter hook sees every accepted task that will not complete', () => {
  it("clear(): each removed task reaches onFailed with reason 'cleared', after its promise rejected", async () => {
    const dead: Array<[unknown, FailureInfo]> = [];
    const q = new Queue({ concurrency: 1, onFailed: (e, info) => dead.push([e, info]) });
    const gate = deferred();
    void q.add(() => gate.promise);
    const taskA = async (): Promise<string> => 'a';
    const a = track(q.add(taskA, { priority: 3 }));
    expect(q.clear()).toBe(1);
    expect(dead).toHaveLength(1);
    const [error, info] = dead[0] as [unknown, FailureInfo];
    expect(error).toBeInstanceOf(QueueClearedError);
    expect(info).toEqual({ reason: 'cleared', attempts: 0, priority: 3, timedOut: false, task: taskA });
    await flush();
    expect(a.reason).toBe(error);
    gate.resolve();
    await q.onIdle();
  });

  it("close({ drain: false }) and the close deadline: reason 'closed', queued, retrying and running tasks alike", async () => {
    const clock = new ManualClock();
    const reasons: string[] = [];
    const q = new Queue({
      concurrency: 1,
      clock,
      retry: { attempts: 2, backoff: () => 1_000 },
      onFailed: (e, info) => reasons.push(`${info.reason}:${(e as Error).name}`),
    });
    const hung = track(q.add(() => new Promise(() => {})));
    void q.add(() => Promise.reject(new Error('flaky'))).catch(() => {}); // queued behind the hung task
    q.concurrency = 2; // the flaky one runs, fails, waits out its backoff
    await flush();
    expect(q.retrying).toBe(1);
    q.pause();
    const queued = track(q.add(async () => 'never'));
    const closed = track(q.close({ drain: false, timeoutMs: 50 }));
    expect(reasons).toEqual(['closed:QueueClosedError', 'closed:QueueClosedError']);
    await clock.advanceAsync(50);
    expect(closed.state).toBe('fulfilled');
    expect(reasons).toEqual(['closed:QueueClosedError', 'closed:QueueClosedError', 'closed:QueueClosedError']);
    expect(hung.reason).toBeInstanceOf(QueueClosedError);
    expect(queued.reason).toBeInstanceOf(QueueClosedError);
    expect(q.stats().cleared).toBe(3);
  });

  it('the failed event mirrors the hook, and tasks cancelled by their own signal reach neither', async () => {
    const q = new Queue({ concurrency: 1, paused: true });
    const events: string[] = [];
    const off = q.on('failed', ({ reason }) => events.push(reason));
    const c = new AbortController();
    void q.add(async () => {}, { signal: c.signal }).catch(() => {});
    c.abort();
    void q.add(async () => {}).catch(() => {});
    q.clear();
    q.resume();
    await q.add(() => Promise.reject(new Error('x'))).catch(() => {});
    off();
    await q.add(() => Promise.reject(new Error('y'))).catch(() => {});
    expect(events).toEqual(['cleared', 'error']);
  });
});

describe('the guide’s HTTP 429 answer comes at once, not after a task finishes', () => {
  it('a full queue is known before any task settles (tryAdd and isFull)', async () => {
    const emails = new Queue({ concurrency: 2, maxQueued: 4 });
    const smtp = deferred();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const accepted = emails.tryAdd(() => smtp.promise);
      statuses.push(accepted === undefined ? 429 : 202);
      accepted?.catch(() => {});
    }
    // synchronously, with every accepted task still unsettled
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429, 429, 429, 429]);
    expect(emails.isFull).toBe(true);
    smtp.resolve();
    await emails.close();
  });
});

describe('closed queue errors', () => {
  it('add after close rejects with a QueueClosedError', async () => {
    const q = new Queue();
    void q.close();
    await expect(q.add(async () => 1)).rejects.toBeInstanceOf(QueueClosedError);
  });
});
