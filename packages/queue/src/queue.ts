import { Histogram, type Listener, type Subscribable, type TimerHandle } from '@scaling/core';
import { describeValue } from '@scaling/core/internal';
import { QueueEngine } from './_engine.js';
import { assertCount, parseCloseOptions, parseQueueOptions } from './_options.js';
import { closeDeadline, dropNotStarted } from './_removal.js';
import { armTimer } from './_timer.js';
import type { QueueEvents } from './events.js';
import type { AddOptions, CloseOptions, QueueOptions } from './options.js';
import type { QueueCounters, QueueStats, RunningTask } from './stats.js';
import type { Task } from './task.js';

const INF = Number.POSITIVE_INFINITY;

/**
 * An in-process promise queue with p-queue's features on fastq's pooled, allocation-free design.
 *
 * - **Concurrency**: at most `concurrency` tasks hold a slot; raising it starts waiting tasks at once, lowering
 *   it lets running ones finish.
 * - **Priority**: higher first; FIFO within a priority (one intrusive linked deque per level), or any order through
 *   a custom `queueClass` ({@link PriorityQueue}).
 * - **Backpressure**: `maxQueued` (`0`: never queue) with `whenFull: 'reject' | 'wait'`; {@link Queue.isFull} and
 *   {@link Queue.tryAdd} answer synchronously; {@link Queue.onSizeLessThan}.
 * - **Rate limit**: a sliding-window log of the last `limit` starts, so no window of `intervalMs` ever holds
 *   more than `limit` starts. Cancelled tasks never start, so they use none.
 * - **Timeouts — when the slot frees**: when an attempt exceeds its `timeoutMs`, in that same timer callback its
 *   signal is aborted, its promise rejects with a `TimeoutError` (`ERR_TIMEOUT`), its slot is released and the
 *   next task starts — before the timed-out task has necessarily stopped. The abandoned task's eventual result
 *   is ignored. So `pending` counts slots, and a task that never settles cannot stall the queue.
 * - **Retries**: `retry.attempts` total, `retry.backoff` between them (full jitter from core), `retry.retryIf`;
 *   the slot is released during the backoff and the retry rejoins the back of its level.
 * - **Nothing lost**: every accepted task settles exactly once (resolved, failed, timed out, cancelled with its
 *   signal's reason, `ERR_QUEUE_CLEARED`, or `ERR_QUEUE_CLOSED`) — at the latest at the `close({ timeoutMs })`
 *   deadline, even a task that never settles; the queue creates no promise of its own that could reject unhandled.
 *   Every one that will not complete (failed for good, cleared, closed) reaches the dead-letter hook `onFailed`.
 * - **Re-entrancy**: tasks, `onFailed`, `retryIf`, `backoff`, a custom `queueClass` and event listeners may call any
 *   method of their own queue. A throwing callback never leaves the queue inconsistent. Awaiting `onIdle()` or
 *   `close()` inside a task of the same queue waits for that task itself, so it never resolves (call `close()`
 *   without awaiting it there).
 * - **Observability**: {@link Queue.stats}, and the events `failed`, `retry` and `full` through {@link Queue.on}
 *   and `node:diagnostics_channel` (`scaling:queue:<event>`).
 * - **Process lifetime**: the queue's own timers (rate-limit wait, retry backoff, timeout, close deadline) are
 *   `ref()`ed while accepted work waits on them, so a script does not exit before that work settles; an idle
 *   queue (or one whose waiting work was cleared or aborted) holds no timer and never keeps the process alive.
 *
 * Design after mcollina/fastq (pooled records, no closure per task) and sindresorhus/p-queue (the feature set).
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { Queue } from '@scaling/queue';
 * const queue = new Queue({ concurrency: 4, rateLimit: { limit: 10, intervalMs: 1_000 }, timeoutMs: 5_000 });
 * const status = await queue.add(async ({ signal }) => (await fetch('https://example.com', { signal })).status);
 * await queue.onIdle();
 * ```
 */
export class Queue implements Subscribable<QueueEvents> {
  readonly #e: QueueEngine;

  constructor(options?: QueueOptions) {
    this.#e = new QueueEngine(parseQueueOptions(options), this);
  }

  /** Tasks waiting in the queue (not running, not waiting for room, not in a retry backoff). */
  get size(): number {
    return this.#e.size;
  }

  /** Tasks holding a concurrency slot. */
  get pending(): number {
    return this.#e.running.length;
  }

  /** Tasks waiting for room because the queue is full (`whenFull: 'wait'`). */
  get waitingForRoom(): number {
    return this.#e.waiting.length;
  }

  /** Failed tasks waiting out their retry backoff. */
  get retrying(): number {
    return this.#e.delayed.length;
  }

  /** The `maxQueued` option: most tasks waiting in the queue (`0`: never queue; `Infinity`: unbounded). */
  get maxQueued(): number {
    return this.#e.maxQueued;
  }

  /** True while paused: nothing new starts. */
  get isPaused(): boolean {
    return this.#e.paused;
  }

  /** True after {@link Queue.close}: `add` rejects with `ERR_QUEUE_CLOSED`. */
  get isClosed(): boolean {
    return this.#e.closed;
  }

  /**
   * True when a task added now could neither start at once nor join the queue: `add` would reject with
   * `ERR_QUEUE_FULL` (or, with `whenFull: 'wait'`, wait for room) and `tryAdd` would return `undefined`. Synchronous
   * and free of side effects: answer "busy" (HTTP 429) before doing any work. (A closed queue refuses every task
   * whatever this says: see {@link Queue.isClosed}.)
   */
  get isFull(): boolean {
    if (this.#e.size < this.#e.maxQueued) return false;
    return !(
      this.#e.size === 0 &&
      this.#e.waiting.length === 0 &&
      !this.#e.paused &&
      this.#e.running.length < this.#e.concurrency &&
      (this.#e.limiter === undefined || this.#e.limiter.waitMs(this.#e.clock.now()) === 0)
    );
  }

  /** A snapshot of the running totals. @deprecated Use {@link Queue.stats} (the same counters plus the gauges). */
  get counters(): QueueCounters {
    return { ...this.#e.counters, completed: this.#e.completed };
  }

  /**
   * A snapshot (a fresh object; reading it changes nothing) of the counters, the gauges (`size`, `pending`,
   * `waitingForRoom`, `retrying`) and the latency histograms `waitDuration`/`runDuration` (ms, copies; recorded
   * with `trackDurations`). See {@link QueueStats} and the package README's table.
   */
  stats(): QueueStats {
    const e = this.#e;
    return {
      ...e.counters,
      completed: e.completed,
      added: e.added,
      started: e.started,
      waitDuration: e.waitDuration === undefined ? new Histogram() : e.waitDuration.clone(),
      runDuration: e.runDuration === undefined ? new Histogram() : e.runDuration.clone(),
      size: this.#e.size,
      pending: this.#e.running.length,
      waitingForRoom: this.#e.waiting.length,
      retrying: this.#e.delayed.length,
    };
  }

  /**
   * Calls `listener` with each `event`'s payload (see {@link QueueEvents}) until the returned function is called.
   * @throws {TypeError} on an unknown event or a listener that is not a function.
   */
  on<K extends keyof QueueEvents & string>(event: K, listener: Listener<QueueEvents[K]>): () => void {
    return this.#e.events.on(event, listener);
  }

  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<K extends keyof QueueEvents & string>(event: K, listener: Listener<QueueEvents[K]>): void {
    this.#e.events.off(event, listener);
  }

  /**
   * Tasks running at once: a positive integer or `Infinity`. Raising it starts waiting tasks immediately
   * (synchronously); lowering it lets running tasks finish and starts nothing until `pending` is below it.
   * @throws {TypeError}/{@link RangeError} on a bad value.
   */
  get concurrency(): number {
    return this.#e.concurrency;
  }
  /** Sets the number of tasks running at once (a positive integer or `Infinity`); see the getter. */
  set concurrency(value: number) {
    assertCount('concurrency', value, 1);
    this.#e.concurrency = value;
    this.#e.pump();
  }

  /**
   * The tasks holding a slot, oldest first, with their start time and age in ms — both `undefined` unless
   * `trackStartTimes` (or a rate limit) is on, since the fast path then never reads the clock.
   */
  running(): RunningTask[] {
    const timed = this.#e.timed;
    const now = timed ? this.#e.clock.now() : 0;
    const out: RunningTask[] = [];
    for (let j = this.#e.running.head; j !== undefined; j = j.next) {
      const startedAt = timed ? j.ext?.startedAt : undefined;
      out.push({ priority: j.priority, attempt: j.attempt, startedAt, ageMs: startedAt === undefined ? undefined : now - startedAt });
    }
    return out;
  }

  /**
   * Queues `task` and returns the promise of its result. The task starts synchronously inside `add` when a slot
   * is free, the queue is empty, not paused and the rate limit allows.
   *
   * Rejects (never throws) with `ERR_QUEUE_CLOSED` after {@link Queue.close}, with `ERR_QUEUE_FULL`
   * ({@link QueueFullError}) when `maxQueued` is reached and `whenFull` is `'reject'` — at once, before any task
   * finishes —, with `signal.reason` when `signal` is or becomes aborted before the task starts, with `ERR_TIMEOUT` on
   * a timeout, `ERR_QUEUE_CLEARED` on {@link Queue.clear}, or with the task's own error after its last attempt.
   * @throws {TypeError}/{@link RangeError} when `task` is not a function or an option is bad or unknown.
   * @example
   * ```ts
   * import { Queue } from '@scaling/queue';
   * const queue = new Queue({ concurrency: 2 });
   * const controller = new AbortController();
   * const n = await queue.add(async ({ attempt }) => attempt * 10, { priority: 1, signal: controller.signal, timeoutMs: 1_000 });
   * ```
   */
  add<T>(task: Task<T>, options?: AddOptions): Promise<T> {
    return this.#e.admit(task, options, false) as Promise<T>;
  }

  /**
   * {@link Queue.add}, unless the task would not be accepted: returns `undefined` — synchronously, and nothing is
   * queued — when the queue is full (see {@link Queue.isFull}; `tryAdd` never waits for room, whatever `whenFull`
   * says) or closed. Otherwise the same promise `add` returns. The p-queue idiom `if (queue.size >= limit)` made
   * exact: use it to answer HTTP 429 at once.
   * @throws {TypeError}/{@link RangeError} when `task` is not a function or an option is bad or unknown.
   * @example
   * ```ts
   * import { Queue } from '@scaling/queue';
   * const emails = new Queue({ concurrency: 2, maxQueued: 100 });
   * const accepted = emails.tryAdd(async () => 'sent');
   * const status = accepted === undefined ? 429 : 202; // answer now; the task runs in the background
   * accepted?.catch(() => {}); // failures go to onFailed / the `failed` event
   * ```
   */
  tryAdd<T>(task: Task<T>, options?: AddOptions): Promise<T> | undefined {
    return this.#e.admit(task, options, true) as Promise<T> | undefined;
  }

  /**
   * {@link Queue.add} for each task with the same options; resolves with every result in order, or rejects with
   * the first rejection (every other task still settles; none is left unhandled).
   */
  addAll<T>(tasks: ReadonlyArray<Task<T>>, options?: AddOptions): Promise<T[]> {
    const promises: Promise<T>[] = [];
    for (const t of tasks) promises.push(this.add(t, options));
    return Promise.all(promises);
  }

  /** Stops starting tasks (running ones continue). Adding still works. */
  pause(): void {
    this.#e.paused = true;
  }

  /** Starts waiting tasks again, up to the concurrency and the rate limit. */
  resume(): void {
    this.#e.paused = false;
    this.#e.pump();
  }

  /** Resolves when nothing is queued, waiting for room, waiting out a retry, or running — at once if so already. */
  onIdle(): Promise<void> {
    return this.#e.isIdle() ? Promise.resolve() : this.#e.waiters.idle();
  }

  /** Resolves when nothing is queued or waiting for room (tasks may still run) — at once if so already. */
  onEmpty(): Promise<void> {
    return this.#e.size === 0 && this.#e.waiting.length === 0 ? Promise.resolve() : this.#e.waiters.empty();
  }

  /**
   * Resolves when `size < limit`, re-checked on every size change — at once if so already. Use it to apply
   * backpressure upstream (`await queue.onSizeLessThan(100)` before reading more input).
   * @throws {TypeError}/{@link RangeError} unless `limit` is a positive number.
   */
  onSizeLessThan(limit: number): Promise<void> {
    if (typeof limit !== 'number') throw new TypeError(`Expected \`limit\` to be a positive number, got ${describeValue(limit)}`);
    if (!(limit > 0)) throw new RangeError(`Expected \`limit\` to be a positive number, got ${describeValue(limit)}`);
    return this.#e.size < limit ? Promise.resolve() : this.#e.waiters.sizeLessThan(limit);
  }

  /**
   * Removes every task that has not started (queued, waiting for room, or waiting out a retry backoff) and
   * rejects each one's promise with `ERR_QUEUE_CLEARED` ({@link QueueClearedError}); each then reaches `onFailed`
   * (reason `'cleared'`). Running tasks continue. Returns how many were removed.
   */
  clear(): number {
    return dropNotStarted(this.#e, 'cleared');
  }

  /**
   * Stops accepting tasks (`add` rejects with `ERR_QUEUE_CLOSED`), then either runs everything already accepted
   * (`drain: true`, the default; a paused queue is resumed) or rejects what has not started with
   * `ERR_QUEUE_CLOSED` and waits for the running ones. Resolves when idle, or at the `timeoutMs` deadline, when
   * everything still unsettled rejects with `ERR_QUEUE_CLOSED` (running tasks' signals are aborted) so that no
   * promise is left pending. Every task it rejects reaches `onFailed` (reason `'closed'`). Calling it again (even
   * from inside a callback) returns the same promise. Awaiting it inside one of this queue's tasks never resolves.
   * @throws {TypeError}/{@link RangeError} on a bad or unknown option.
   */
  close(options?: CloseOptions): Promise<void> {
    const { drain, timeoutMs } = parseCloseOptions(options);
    if (this.#e.closing !== undefined) return this.#e.closing;
    let done!: () => void;
    this.#e.closing = new Promise<void>((resolve) => (done = resolve));
    this.#e.closed = true;
    this.#e.dropOnClose = !drain;
    let deadline: TimerHandle | undefined;
    if (timeoutMs !== INF) deadline = armTimer(this.#e.clock, () => closeDeadline(this.#e, timeoutMs, done), timeoutMs);
    if (!drain) dropNotStarted(this.#e, 'closed');
    else if (this.#e.paused) this.resume();
    this.#e.notify();
    void this.onIdle().then(() => {
      if (deadline !== undefined) this.#e.clock.clearTimeout(deadline);
      done();
    });
    return this.#e.closing;
  }
}
