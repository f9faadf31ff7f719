/**
 * What a {@link PriorityQueue} holds: one accepted task that has not started. Treat it as an opaque token with a
 * priority — compare tokens by identity, read `priority`, change nothing. The queue reuses its records, so do not
 * keep a token after `dequeue` returned it or `remove` was called with it.
 */
export interface QueuedTask {
  /** The task's priority (`add`'s `priority` option, default 0): any finite number, higher first by default. */
  readonly priority: number;
}

/**
 * The order in which queued tasks start: the extension point of {@link Queue} (p-queue's `queueClass`), passed as
 * the `queueClass` option. The queue owns everything else — counts, concurrency, the rate limit, waiting for room,
 * retries — and calls these three methods only.
 *
 * The default keeps one FIFO per priority level, highest level first (O(1) enqueue and removal, O(levels) dequeue).
 * Write your own for another order (weighted fair queuing, deadline first, lowest first), e.g. an array sorted by a
 * comparator. Contract:
 *
 * - `enqueue(task)` holds `task` (it was not held before). If it throws, `add` rejects with that error and the task
 *   is not accepted; a task re-entering the queue after a retry backoff or from the wait-for-room FIFO is rejected
 *   with that error instead.
 * - `dequeue()` returns the next task to start and forgets it, or `undefined` when it holds none. The queue calls it
 *   only while it holds at least one task.
 * - `remove(task)` forgets a task it holds (its caller aborted it, or `clear()`/`close()` dropped it).
 * - An error thrown by `dequeue` or `remove` is rethrown on `process.nextTick` (as listeners' errors are) and never
 *   corrupts the queue's own counts: a failed `dequeue` starts nothing this time; a task whose `remove` threw is
 *   settled anyway and skipped if it is ever dequeued.
 *
 * @example
 * ```ts
 * import { type PriorityQueue, Queue, type QueuedTask } from '@scaling/queue';
 *
 * // Lowest priority value first (deadline-style), FIFO among equal values.
 * class LowestFirst implements PriorityQueue {
 *   readonly #tasks: QueuedTask[] = [];
 *   enqueue(task: QueuedTask): void {
 *     let i = this.#tasks.length;
 *     while (i > 0 && (this.#tasks[i - 1] as QueuedTask).priority > task.priority) i--;
 *     this.#tasks.splice(i, 0, task);
 *   }
 *   dequeue(): QueuedTask | undefined {
 *     return this.#tasks.shift();
 *   }
 *   remove(task: QueuedTask): void {
 *     const i = this.#tasks.indexOf(task);
 *     if (i >= 0) this.#tasks.splice(i, 1);
 *   }
 * }
 *
 * const queue = new Queue({ concurrency: 1, paused: true, queueClass: LowestFirst });
 * const order: number[] = [];
 * for (const p of [3, 1, 2]) void queue.add(() => void order.push(p), { priority: p });
 * queue.resume();
 * await queue.onIdle();
 * console.log(order); // [ 1, 2, 3 ]
 * ```
 */
export interface PriorityQueue {
  /** Holds `task` until it is dequeued or removed. */
  enqueue(task: QueuedTask): void;
  /** The next task to start (forgotten by the queue class), or `undefined` when none is held. */
  dequeue(): QueuedTask | undefined;
  /** Forgets `task`, which is held. */
  remove(task: QueuedTask): void;
}
