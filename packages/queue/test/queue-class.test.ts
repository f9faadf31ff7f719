import { describe, expect, it } from 'vitest';
import { type PriorityQueue, Queue, type QueuedTask } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

/** Lowest priority value first, FIFO among equals: the README's example of a custom order. */
class LowestFirst implements PriorityQueue {
  readonly tasks: QueuedTask[] = [];
  enqueue(task: QueuedTask): void {
    let i = this.tasks.length;
    while (i > 0 && (this.tasks[i - 1] as QueuedTask).priority > task.priority) i--;
    this.tasks.splice(i, 0, task);
  }
  dequeue(): QueuedTask | undefined {
    return this.tasks.shift();
  }
  remove(task: QueuedTask): void {
    const i = this.tasks.indexOf(task);
    if (i >= 0) this.tasks.splice(i, 1);
  }
}

describe('a pluggable queue class (p-queue’s queueClass)', () => {
  it('decides the start order; the queue keeps counts, concurrency and settling', async () => {
    const q = new Queue({ concurrency: 1, paused: true, queueClass: LowestFirst });
    const order: number[] = [];
    for (const p of [3, 1, 2, 1]) void q.add(async () => void order.push(p), { priority: p });
    expect(q.size).toBe(4);
    q.resume();
    await q.onIdle();
    expect(order).toEqual([1, 1, 2, 3]);
  });

  it('abort, clear and close reach the custom class through remove/dequeue', async () => {
    let instance: LowestFirst | undefined;
    class Spy extends LowestFirst {
      constructor() {
        super();
        instance = this;
      }
    }
    const q = new Queue({ concurrency: 1, queueClass: Spy });
    const gate = deferred();
    void q.add(() => gate.promise);
    const c = new AbortController();
    const aborted = track(q.add(async () => 'a', { signal: c.signal }));
    const cleared = track(q.add(async () => 'b'));
    expect(instance?.tasks).toHaveLength(2);
    c.abort(new Error('left'));
    expect(instance?.tasks).toHaveLength(1);
    expect(q.clear()).toBe(1);
    expect(instance?.tasks).toHaveLength(0);
    gate.resolve();
    await flush();
    expect((aborted.reason as Error).message).toBe('left');
    expect((cleared.reason as { code: string }).code).toBe('ERR_QUEUE_CLEARED');
  });

  it('an enqueue that throws rejects that add with the error; nothing is counted as queued', async () => {
    class Refuses extends LowestFirst {
      override enqueue(task: QueuedTask): void {
        if (task.priority < 0) throw new RangeError('negative priorities are not allowed here');
        super.enqueue(task);
      }
    }
    const q = new Queue({ concurrency: 1, queueClass: Refuses });
    const gate = deferred();
    void q.add(() => gate.promise);
    await expect(q.add(async () => 1, { priority: -1 })).rejects.toThrow(/negative priorities/);
    expect(q.size).toBe(0);
    const ok = q.add(async () => 2, { priority: 1 });
    gate.resolve();
    await expect(ok).resolves.toBe(2);
    await q.onIdle();
  });
});
