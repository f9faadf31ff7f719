import { type Backoff, type Clock, exponentialBackoff, ScalingError, systemClock, TimeoutError, type TimerHandle } from '@scaling/core';
import { assertFunction, assertPositiveFinite, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import { ABANDONED, DELAYED, FREE, Job, type JobExt, JobList, Level, QUEUED, RUNNING, SignalGroup, WAITING } from './_job.js';
import { SlidingWindowLimiter } from './_rate-limiter.js';
import type { Task } from './task.js';

/** Options of {@link Queue.add}. */
export interface AddOptions {
  /** Higher runs first; FIFO among equal priorities. Any finite number. Default 0. */
  priority?: number;
  /**
   * Cancels the task. Already aborted: `add` rejects at once with `signal.reason` and the task never runs.
   * Aborted while queued (or waiting for room, or waiting out a retry backoff): the task is removed in O(1),
   * its promise rejects with `signal.reason`, and it uses no rate-limit start. Aborted while running: the abort
   * is forwarded to the task's own `signal`; the task decides how to end, and its slot stays taken until it does.
   */
  signal?: AbortSignal;
  /** Per-attempt time limit in ms, overriding the queue's `timeoutMs`; `Infinity` for none. */
  timeoutMs?: number;
}

/** Retry policy of a {@link Queue}. */
export interface RetryOptions {
  /** Total attempts including the first (≥ 1). `1` means no retry. */
  attempts: number;
  /**
   * Delay in ms before retry number `n` (1 for the first retry). Default: `exponentialBackoff()` from
   * `@scaling/core` (full jitter, base 100 ms, cap 30 s).
   */
  backoff?: Backoff;
  /**
   * Whether a failure may be retried. Default: every error. A timeout (`ERR_TIMEOUT`) is never retried, since
   * the timed-out attempt may still be running.
   */
  retryIf?: (error: unknown, attempt: number) => boolean;
}

/** What the dead-letter hook {@link QueueOptions.onFailed} learns about a task that failed for good. */
export interface FailureInfo {
  /** Attempts made (1 when it failed the first time and was not retried). */
  attempts: number;
  /** The task's priority. */
  priority: number;
  /** True when the last attempt timed out. */
  timedOut: boolean;
}

/** Options of {@link Queue}. */
export interface QueueOptions {
  /** Tasks running at once: a positive integer or `Infinity`. Default 1. Changeable later via {@link Queue.concurrency}. */
  concurrency?: number;
  /** Most tasks waiting in the queue (not counting running ones): a positive integer or `Infinity` (default). */
  maxQueued?: number;
  /**
   * When `maxQueued` is reached: `'reject'` (default) rejects `add` with `ERR_QUEUE_FULL`; `'wait'` keeps the
   * task in a FIFO outside the queue until there is room (backpressure that never drops).
   */
  whenFull?: 'reject' | 'wait';
  /** At most `limit` task starts in any window of `intervalMs` ms (sliding-window log: exact, no drift). */
  rateLimit?: { limit: number; intervalMs: number };
  /** Default per-attempt time limit in ms (`Infinity`, the default, for none). See {@link Queue} for when the slot frees. */
  timeoutMs?: number;
  /** Retry failed tasks with backoff. Default: no retries. */
  retry?: RetryOptions;
  /**
   * Dead-letter hook: called once for every task that failed for good (error after its last attempt, or timeout),
   * right after its promise rejected. Errors thrown by the hook are ignored. Not called for cancelled, cleared
   * or closed tasks.
   */
  onFailed?: (error: unknown, info: FailureInfo) => void;
  /** Start paused (call {@link Queue.resume}). Default false. */
  paused?: boolean;
  /**
   * Record each start time so {@link Queue.running} can report ages. Default false: reading the clock costs
   * about a tenth of the per-task time, so it is off unless asked for (or a rate limit reads it anyway).
   */
  trackStartTimes?: boolean;
  /** Time source for timeouts, backoff and the rate limit. Default `systemClock`. */
  clock?: Clock;
}

/** Options of {@link Queue.close}. */
export interface CloseOptions {
  /** `true` (default): run everything already accepted; `false`: reject what has not started with `ERR_QUEUE_CLOSED`. */
  drain?: boolean;
  /**
   * Deadline in ms: when it passes, every accepted task still unsettled — queued, waiting, in a retry backoff or
   * running, even one that never settles — rejects with `ERR_QUEUE_CLOSED` (running tasks also get their signal
   * aborted) and `close` resolves. Default `Infinity`.
   */
  timeoutMs?: number;
}

/** Running totals since the queue was created. */
export interface QueueCounters {
  /** Tasks that resolved. */
  completed: number;
  /** Tasks that failed for good (errors after the last attempt, and timeouts). */
  failed: number;
  /** Retries scheduled. */
  retried: number;
  /** Attempts that hit their timeout. */
  timedOut: number;
  /** `add` calls rejected with `ERR_QUEUE_FULL`. */
  rejectedFull: number;
  /** Tasks removed by their abort signal before they ran (including pre-aborted ones). */
  cancelled: number;
  /** Tasks rejected by {@link Queue.clear} or by {@link Queue.close}. */
  cleared: number;
}

/** A task holding a concurrency slot, as {@link Queue.running} reports it. */
export interface RunningTask {
  priority: number;
  attempt: number;
  /** `clock.now()` when this attempt started; `undefined` unless `trackStartTimes` or a rate limit is on. */
  startedAt: number | undefined;
  /** ms since it started; `undefined` unless `trackStartTimes` or a rate limit is on. */
  ageMs: number | undefined;
}

/** The listener parameter type of `AbortSignal.addEventListener` (a {@link SignalGroup} has `handleEvent`). */
type AbortListener = Parameters<AbortSignal['addEventListener']>[1];

const POOL_MAX = 4096;
const INF = Number.POSITIVE_INFINITY;

/**
 * An in-process promise queue with p-queue's features on fastq's pooled, allocation-free design.
 *
 * - **Concurrency**: at most `concurrency` tasks hold a slot; raising it starts waiting tasks at once, lowering
 *   it lets running ones finish.
 * - **Priority**: higher first; FIFO within a priority (one intrusive linked deque per level).
 * - **Backpressure**: `maxQueued` with `whenFull: 'reject' | 'wait'`, and {@link Queue.onSizeLessThan}.
 * - **Rate limit**: a sliding-window log of the last `limit` starts, so no window of `intervalMs` ever holds
 *   more than `limit` starts. Cancelled tasks never start, so they use none.
 * - **Timeouts — when the slot frees**: when an attempt exceeds its `timeoutMs`, in that same timer callback its
 *   signal is aborted, its promise rejects with a `TimeoutError` (`ERR_TIMEOUT`), its slot is released and the
 *   next task starts — before the timed-out task has necessarily stopped. The abandoned task's eventual result
 *   is ignored. So `pending` counts slots, and a task that never settles cannot stall the queue.
 * - **Retries**: `retry.attempts` total, `retry.backoff` between them (full jitter from core), `retry.retryIf`;
 *   the slot is released during the backoff and the retry rejoins the back of its level. A task that fails for
 *   good rejects its promise and goes to `onFailed`.
 * - **Nothing lost**: every accepted task settles exactly once (resolved, failed, timed out, cancelled with its
 *   signal's reason, `ERR_QUEUE_CLEARED`, or `ERR_QUEUE_CLOSED`) — at the latest at the `close({ timeoutMs })`
 *   deadline, even a task that never settles; the queue creates no promise of its own that could reject unhandled.
 * - **Process lifetime**: the queue's own timers (rate-limit wait, retry backoff, timeout, close deadline) are
 *   `ref()`ed while accepted work waits on them, so a script does not exit before that work settles; an idle
 *   queue (or one whose waiting work was cleared or aborted) holds no timer and never keeps the process alive.
 *
 * Design after mcollina/fastq (pooled records, no closure per task) and sindresorhus/p-queue (the feature set).
 *
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it.
 * @example
 * ```ts
 * import { Queue } from '@scaling/queue';
 * const queue = new Queue({ concurrency: 4, rateLimit: { limit: 10, intervalMs: 1_000 }, timeoutMs: 5_000 });
 * const user = await queue.add(async ({ signal }) => (await fetch('https://example.com', { signal })).status);
 * await queue.onIdle();
 * ```
 */
export class Queue {
  #concurrency: number;
  readonly #maxQueued: number;
  readonly #waitWhenFull: boolean;
  readonly #limiter: SlidingWindowLimiter | undefined;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #backoff: Backoff | undefined;
  readonly #retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
  readonly #onFailed: ((error: unknown, info: FailureInfo) => void) | undefined;
  readonly #clock: Clock;
  /** Whether starts read the clock (rate limit or `trackStartTimes`); off, the fast path never calls `clock.now()`. */
  readonly #timed: boolean;

  readonly #levels: Level[];
  readonly #levelByPriority = new Map<number, Level>();
  #lastLevel: Level;
  #size = 0;
  readonly #running = new JobList();
  readonly #waiting = new JobList();
  readonly #delayed = new JobList();
  #paused: boolean;
  #closed = false;
  #rateTimer: object | undefined = undefined;
  #pumping = false;
  #pumpAgain = false;

  readonly #signalGroups = new Map<AbortSignal, SignalGroup>();
  #free: Job | undefined = undefined;
  #freeCount = 0;

  #idleWaiters: Array<() => void> = [];
  #emptyWaiters: Array<() => void> = [];
  #sizeWaiters: Array<{ limit: number; resolve: () => void }> = [];

  /** Kept apart from the other counters: it is the one the fast path bumps. */
  #completed = 0;
  readonly #counters: QueueCounters = { completed: 0, failed: 0, retried: 0, timedOut: 0, rejectedFull: 0, cancelled: 0, cleared: 0 };

  #resolveNext: ((value: unknown) => void) | undefined = undefined;
  /** One executor for every promise, so `add` creates no closure of its own. */
  readonly #executor = (resolve: (value: unknown) => void): void => {
    this.#resolveNext = resolve;
  };
  readonly #onRateTimer = (): void => {
    this.#rateTimer = undefined;
    this.#pump();
  };

  constructor(options: QueueOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
    const { concurrency = 1, maxQueued = INF, whenFull = 'reject', rateLimit, timeoutMs = INF, retry, onFailed, paused = false } = options;
    assertCount('concurrency', concurrency);
    assertCount('maxQueued', maxQueued);
    if (whenFull !== 'reject' && whenFull !== 'wait')
      throw new TypeError(`Expected \`whenFull\` to be "reject" or "wait", got ${describeValue(whenFull)}`);
    assertTimeout('timeoutMs', timeoutMs);
    this.#concurrency = concurrency;
    this.#maxQueued = maxQueued;
    this.#waitWhenFull = whenFull === 'wait';
    this.#timeoutMs = timeoutMs;
    if (rateLimit !== undefined) {
      if (typeof rateLimit !== 'object' || rateLimit === null)
        throw new TypeError(`Expected \`rateLimit\` to be an object, got ${describeValue(rateLimit)}`);
      assertPositiveInteger('rateLimit.limit', rateLimit.limit);
      assertPositiveFinite('rateLimit.intervalMs', rateLimit.intervalMs);
      this.#limiter = new SlidingWindowLimiter(rateLimit.limit, rateLimit.intervalMs);
    }
    if (retry !== undefined) {
      if (typeof retry !== 'object' || retry === null)
        throw new TypeError(`Expected \`retry\` to be an object, got ${describeValue(retry)}`);
      assertPositiveInteger('retry.attempts', retry.attempts);
      const backoff = retry.backoff ?? exponentialBackoff();
      assertFunction('retry.backoff', backoff);
      if (retry.retryIf !== undefined) assertFunction('retry.retryIf', retry.retryIf);
      this.#attempts = retry.attempts;
      this.#backoff = backoff;
      this.#retryIf = retry.retryIf;
    } else {
      this.#attempts = 1;
    }
    if (onFailed !== undefined) assertFunction('onFailed', onFailed);
    this.#onFailed = onFailed;
    if (typeof paused !== 'boolean') throw new TypeError(`Expected \`paused\` to be a boolean, got ${describeValue(paused)}`);
    this.#paused = paused;
    const clock = options.clock ?? systemClock;
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function')
      throw new TypeError(`Expected \`clock\` to be a Clock, got ${describeValue(clock)}`);
    this.#clock = clock;
    const { trackStartTimes = false } = options;
    if (typeof trackStartTimes !== 'boolean')
      throw new TypeError(`Expected \`trackStartTimes\` to be a boolean, got ${describeValue(trackStartTimes)}`);
    this.#timed = trackStartTimes || this.#limiter !== undefined;
    this.#lastLevel = new Level(0);
    this.#levels = [this.#lastLevel];
    this.#levelByPriority.set(0, this.#lastLevel);
  }

  /** Tasks waiting in the queue (not running, not waiting for room, not in a retry backoff). */
  get size(): number {
    return this.#size;
  }

  /** Tasks holding a concurrency slot. */
  get pending(): number {
    return this.#running.length;
  }

  /** Tasks waiting for room because the queue is full (`whenFull: 'wait'`). */
  get waitingForRoom(): number {
    return this.#waiting.length;
  }

  /** Failed tasks waiting out their retry backoff. */
  get retrying(): number {
    return this.#delayed.length;
  }

  /** True while paused: nothing new starts. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** True after {@link Queue.close}: `add` rejects with `ERR_QUEUE_CLOSED`. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** A snapshot of the running totals. */
  get counters(): QueueCounters {
    return { ...this.#counters, completed: this.#completed };
  }

  /**
   * Tasks running at once: a positive integer or `Infinity`. Raising it starts waiting tasks immediately
   * (synchronously); lowering it lets running tasks finish and starts nothing until `pending` is below it.
   * @throws {TypeError}/{@link RangeError} on a bad value.
   */
  get concurrency(): number {
    return this.#concurrency;
  }
  set concurrency(value: number) {
    assertCount('concurrency', value);
    this.#concurrency = value;
    this.#pump();
  }

  /**
   * The tasks holding a slot, oldest first, with their start time and age in ms — both `undefined` unless
   * `trackStartTimes` (or a rate limit) is on, since the fast path then never reads the clock.
   */
  running(): RunningTask[] {
    const timed = this.#timed;
    const now = timed ? this.#clock.now() : 0;
    const out: RunningTask[] = [];
    for (let j = this.#running.head; j !== undefined; j = j.next) {
      const startedAt = timed ? j.ext?.startedAt : undefined;
      out.push({ priority: j.priority, attempt: j.attempt, startedAt, ageMs: startedAt === undefined ? undefined : now - startedAt });
    }
    return out;
  }

  /**
   * Queues `task` and returns the promise of its result. The task starts synchronously inside `add` when a slot
   * is free, the queue is empty, not paused and the rate limit allows.
   *
   * Rejects (never throws) with `ERR_QUEUE_CLOSED` after {@link Queue.close}, with `ERR_QUEUE_FULL` when
   * `maxQueued` is reached and `whenFull` is `'reject'`, with `signal.reason` when `signal` is or becomes aborted
   * before the task starts, with `ERR_TIMEOUT` on a timeout, `ERR_QUEUE_CLEARED` on {@link Queue.clear}, or with
   * the task's own error after its last attempt.
   * @throws {TypeError}/{@link RangeError} when `task` is not a function or an option is bad.
   * @example
   * ```ts
   * import { Queue } from '@scaling/queue';
   * const queue = new Queue({ concurrency: 2 });
   * const controller = new AbortController();
   * const n = await queue.add(async ({ attempt }) => attempt * 10, { priority: 1, signal: controller.signal, timeoutMs: 1_000 });
   * ```
   */
  add<T>(task: Task<T>, options?: AddOptions): Promise<T> {
    if (typeof task !== 'function') throw new TypeError(`Expected \`task\` to be a function, got ${describeValue(task)}`);
    let priority = 0;
    let signal: AbortSignal | undefined;
    let timeoutMs = this.#timeoutMs;
    if (options !== undefined) {
      if (options.priority !== undefined) {
        priority = options.priority;
        if (typeof priority !== 'number')
          throw new TypeError(`Expected \`priority\` to be a finite number, got ${describeValue(priority)}`);
        if (!Number.isFinite(priority)) throw new RangeError(`Expected \`priority\` to be a finite number, got ${describeValue(priority)}`);
      }
      if (options.timeoutMs !== undefined) {
        timeoutMs = options.timeoutMs;
        assertTimeout('timeoutMs', timeoutMs);
      }
      signal = options.signal;
      if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function'))
        throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}`);
    }
    if (this.#closed) return Promise.reject(new ScalingError('ERR_QUEUE_CLOSED', 'The queue is closed'));
    if (signal?.aborted) {
      this.#counters.cancelled++;
      return Promise.reject(signal.reason);
    }
    const job = this.#acquire();
    job.fn = task as Task<unknown>;
    job.priority = priority;
    if (timeoutMs !== INF) job.x().timeoutMs = timeoutMs;
    if (signal !== undefined) this.#listen(job, signal);
    if (
      this.#size === 0 &&
      this.#waiting.length === 0 &&
      !this.#paused &&
      this.#running.length < this.#concurrency &&
      (this.#limiter === undefined || this.#rateAllows())
    ) {
      const promise = new Promise<T>(this.#executor as never);
      job.resolve = this.#resolveNext;
      this.#start(job);
      return promise;
    }
    if (this.#size < this.#maxQueued) {
      const promise = new Promise<T>(this.#executor as never);
      job.resolve = this.#resolveNext;
      this.#enqueue(job);
      return promise;
    }
    if (this.#waitWhenFull) {
      const promise = new Promise<T>(this.#executor as never);
      job.resolve = this.#resolveNext;
      job.state = WAITING;
      this.#waiting.push(job);
      return promise;
    }
    this.#counters.rejectedFull++;
    this.#release(job);
    return Promise.reject(new ScalingError('ERR_QUEUE_FULL', `The queue is full (maxQueued ${this.#maxQueued})`));
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
    this.#paused = true;
  }

  /** Starts waiting tasks again, up to the concurrency and the rate limit. */
  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Resolves when nothing is queued, waiting for room, waiting out a retry, or running — at once if so already. */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Resolves when nothing is queued or waiting for room (tasks may still run) — at once if so already. */
  onEmpty(): Promise<void> {
    if (this.#size === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /**
   * Resolves when `size < limit`, re-checked on every size change — at once if so already. Use it to apply
   * backpressure upstream (`await queue.onSizeLessThan(100)` before reading more input).
   * @throws {TypeError}/{@link RangeError} unless `limit` is a positive number.
   */
  onSizeLessThan(limit: number): Promise<void> {
    if (typeof limit !== 'number') throw new TypeError(`Expected \`limit\` to be a positive number, got ${describeValue(limit)}`);
    if (!(limit > 0)) throw new RangeError(`Expected \`limit\` to be a positive number, got ${describeValue(limit)}`);
    if (this.#size < limit) return Promise.resolve();
    return new Promise((resolve) => this.#sizeWaiters.push({ limit, resolve }));
  }

  /**
   * Removes every task that has not started (queued, waiting for room, or waiting out a retry backoff) and
   * rejects each one's promise with `ERR_QUEUE_CLEARED`. Running tasks continue. Returns how many were removed.
   */
  clear(): number {
    const n = this.#rejectNotStarted('ERR_QUEUE_CLEARED', 'The task was removed by clear()');
    this.#notify();
    return n;
  }

  /**
   * Stops accepting tasks (`add` rejects with `ERR_QUEUE_CLOSED`), then either runs everything already accepted
   * (`drain: true`, the default; a paused queue is resumed) or rejects what has not started with
   * `ERR_QUEUE_CLOSED` and waits for the running ones. Resolves when idle, or at the `timeoutMs` deadline, when
   * everything still unsettled rejects with `ERR_QUEUE_CLOSED` (running tasks' signals are aborted) so that no
   * promise is left pending. Calling it again returns the same promise.
   * @throws {TypeError}/{@link RangeError} on a bad option.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const { drain = true, timeoutMs = INF } = options;
    if (typeof drain !== 'boolean') throw new TypeError(`Expected \`drain\` to be a boolean, got ${describeValue(drain)}`);
    assertTimeout('timeoutMs', timeoutMs);
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#dropOnClose = !drain;
    if (!drain) this.#rejectNotStarted('ERR_QUEUE_CLOSED', 'The queue was closed before the task started');
    else if (this.#paused) this.resume();
    this.#notify();
    const idle = this.onIdle();
    if (timeoutMs === INF) {
      this.#closing = idle;
      return idle;
    }
    this.#closing = new Promise<void>((resolve) => {
      const timer = this.#arm(() => {
        this.#rejectNotStarted('ERR_QUEUE_CLOSED', 'The queue was closed before the task started');
        for (let j = this.#running.head; j !== undefined; j = this.#running.head) {
          const error = new ScalingError('ERR_QUEUE_CLOSED', `The close() deadline of ${timeoutMs} ms passed while the task ran`);
          const resolve = j.resolve as (value: unknown) => void;
          this.#abandon(j, error);
          settleRejected(resolve, error);
          j.resolve = ABANDONED_RESOLVE;
        }
        this.#notify();
        resolve();
      }, timeoutMs);
      void idle.then(() => {
        this.#clock.clearTimeout(timer);
        resolve();
      });
    });
    return this.#closing;
  }
  #closing: Promise<void> | undefined = undefined;
  #dropOnClose = false;

  // ---- internals ----------------------------------------------------------------------------------------------

  #acquire(): Job {
    const job = this.#free;
    if (job === undefined) return new Job();
    this.#free = job.next;
    job.next = undefined;
    this.#freeCount--;
    return job;
  }

  #release(job: Job): void {
    const x = job.ext;
    if (x !== undefined) {
      if (x.group !== undefined) this.#unlisten(x);
      x.timeoutMs = INF;
      x.controller = undefined;
      x.aborted = false;
      x.abortReason = undefined;
    }
    job.state = FREE;
    job.fn = undefined;
    job.resolve = undefined;
    job.attempt = 0;
    if (this.#freeCount < POOL_MAX) {
      job.next = this.#free;
      this.#free = job;
      this.#freeCount++;
    }
  }

  #listen(job: Job, signal: AbortSignal): void {
    const x = job.x();
    x.userSignal = signal;
    let group = this.#signalGroups.get(signal);
    if (group === undefined) {
      const g = new SignalGroup(signal, () => this.#onSignalAbort(g));
      group = g;
      this.#signalGroups.set(signal, g);
      signal.addEventListener('abort', g as unknown as AbortListener);
    }
    group.add(job, x);
  }

  #unlisten(x: JobExt): void {
    const group = x.group as SignalGroup;
    if (group.delete(x)) {
      group.signal.removeEventListener('abort', group as unknown as AbortListener);
      this.#signalGroups.delete(group.signal);
    }
    x.userSignal = undefined;
  }

  /**
   * Schedules one of the queue's own timers (rate-limit wait, timeout, retry backoff, close deadline) and keeps
   * it ref()ed when the clock's handle supports it. Core clocks unref() their timers; the queue only schedules
   * one while accepted work waits on it, so a script whose only remaining work is that task must not exit
   * before it settles. An idle queue has no timer, so it never keeps a process alive.
   */
  #arm(callback: () => void, delayMs: number): TimerHandle {
    const handle = this.#clock.setTimeout(callback, delayMs) as { ref?: unknown };
    if (typeof handle.ref === 'function') (handle.ref as () => unknown)();
    return handle;
  }

  /** The rate-limit timer is only needed while tasks are queued; drop it once none are (clear, abort, close). */
  #dropRateTimerIfEmpty(): void {
    if (this.#size === 0 && this.#rateTimer !== undefined) {
      this.#clock.clearTimeout(this.#rateTimer);
      this.#rateTimer = undefined;
    }
  }

  #rateAllows(): boolean {
    const limiter = this.#limiter;
    if (limiter === undefined) return true;
    const wait = limiter.waitMs(this.#clock.now());
    if (wait === 0) return true;
    if (this.#rateTimer === undefined) this.#rateTimer = this.#arm(this.#onRateTimer, wait);
    return false;
  }

  #enqueue(job: Job): void {
    let level = this.#lastLevel;
    if (level.priority !== job.priority) level = this.#levelFor(job.priority);
    job.state = QUEUED;
    level.push(job);
    this.#size++;
  }

  #levelFor(priority: number): Level {
    let level = this.#levelByPriority.get(priority);
    if (level === undefined) {
      level = new Level(priority);
      const levels = this.#levels;
      // levels stay sorted by priority, highest first; drop empty ones first when there are many
      if (levels.length >= 16) this.#pruneLevels();
      let i = 0;
      while (i < levels.length && (levels[i] as Level).priority > priority) i++;
      levels.splice(i, 0, level);
      this.#levelByPriority.set(priority, level);
    }
    this.#lastLevel = level;
    return level;
  }

  #pruneLevels(): void {
    const keep = this.#levels.filter((l) => l.length > 0 || l.priority === 0);
    this.#levels.length = 0;
    this.#levels.push(...keep);
    this.#levelByPriority.clear();
    for (const l of keep) this.#levelByPriority.set(l.priority, l);
    if (!this.#levelByPriority.has(this.#lastLevel.priority)) this.#lastLevel = this.#levelByPriority.get(0) as Level;
  }

  #dequeue(): Job {
    const levels = this.#levels;
    for (let i = 0; ; i++) {
      const job = (levels[i] as Level).shift();
      if (job !== undefined) {
        this.#size--;
        return job;
      }
    }
  }

  /** Takes a slot for `job` and calls its task (synchronously). */
  #start(job: Job): void {
    this.#begin(job);
    const onOk = job.onOk ?? this.#bind(job);
    try {
      const result = (job.fn as Task<unknown>)(job);
      (result instanceof Promise ? result : Promise.resolve(result)).then(onOk, job.onErr);
    } catch (error) {
      // settle asynchronously even then, so a run of synchronously throwing tasks never recurses
      Promise.reject(error).then(undefined, job.onErr);
    }
  }

  #begin(job: Job): void {
    job.state = RUNNING;
    job.attempt++;
    this.#running.push(job);
    if (this.#timed) {
      const now = this.#clock.now();
      job.x().startedAt = now;
      if (this.#limiter !== undefined) this.#limiter.record(now);
    }
    const x = job.ext;
    if (x !== undefined && x.timeoutMs !== INF) {
      if (x.onTimer === undefined) x.onTimer = () => this.#onTimer(job);
      x.timer = this.#arm(x.onTimer, x.timeoutMs);
    }
  }

  /**
   * Creates the record's two settle handlers, once per pooled record (never per task). They settle the caller's
   * promise through `resolve` and never throw, so the derived promise cannot reject unhandled. Every caller's
   * promise is the queue's own (never the task's derived promise), so the queue can always settle it — even for
   * a task that never settles, at a timeout or the close() deadline. A record whose slot was taken away
   * (timeout, close deadline) only goes back to the pool.
   */
  #bind(job: Job): (value: unknown) => unknown {
    job.onErr = (error: unknown): unknown => {
      if (job.state !== RUNNING) {
        if (job.state === ABANDONED) this.#release(job);
        return undefined;
      }
      this.#vacate(job);
      this.#onError(job, error);
      this.#next();
      return undefined;
    };
    const onOk = (job.onOk = (value: unknown): unknown => {
      if (job.state !== RUNNING) {
        if (job.state === ABANDONED) this.#release(job);
        return undefined;
      }
      const resolve = job.resolve as (value: unknown) => void;
      this.#vacate(job);
      this.#completed++;
      this.#release(job);
      resolve(value);
      this.#next();
      return undefined;
    });
    return onOk;
  }

  /** Gives up a running job's slot (and its timer). */
  #vacate(job: Job): void {
    const x = job.ext;
    if (x !== undefined && x.timer !== undefined) {
      this.#clock.clearTimeout(x.timer);
      x.timer = undefined;
    }
    this.#running.remove(job);
  }

  /** After a slot frees: the common case (start the next queued task) inline, everything else via the pump. */
  #next(): void {
    if (this.#size === 0) {
      // nothing to start (and nothing waits for room: that needs a full queue); wake waiters if any
      if (this.#idleWaiters.length > 0 || this.#emptyWaiters.length > 0 || this.#sizeWaiters.length > 0) this.#notify();
      return;
    }
    if (this.#size > 0 && !this.#paused && !this.#pumping && this.#running.length < this.#concurrency && this.#limiter === undefined) {
      this.#start(this.#dequeue());
      if (this.#size > 0 && this.#running.length < this.#concurrency) this.#pump();
      else if (this.#waiting.length > 0 || this.#sizeWaiters.length > 0 || this.#emptyWaiters.length > 0) this.#pump();
    } else {
      this.#pump();
    }
  }

  /** A failed attempt (its slot already released): schedule a retry or fail for good. */
  #onError(job: Job, error: unknown): void {
    if (
      job.attempt < this.#attempts &&
      !this.#closedWithoutDrain() &&
      !job.ext?.userSignal?.aborted &&
      this.#shouldRetry(error, job.attempt)
    ) {
      let delay: number;
      try {
        delay = (this.#backoff as Backoff)(job.attempt);
      } catch {
        this.#fail(job, error, false);
        return;
      }
      this.#counters.retried++;
      job.state = DELAYED;
      const x = job.x();
      x.controller = undefined;
      x.aborted = false;
      x.abortReason = undefined;
      this.#delayed.push(job);
      x.timer = this.#arm(x.onTimer ?? (x.onTimer = () => this.#onTimer(job)), delay);
    } else {
      this.#fail(job, error, false);
    }
  }

  #closedWithoutDrain(): boolean {
    return this.#dropOnClose;
  }

  #shouldRetry(error: unknown, attempt: number): boolean {
    const retryIf = this.#retryIf;
    if (retryIf === undefined) return true;
    try {
      return retryIf(error, attempt) === true;
    } catch {
      return false;
    }
  }

  /** Rejects a job that failed for good, then calls the dead-letter hook. */
  #fail(job: Job, error: unknown, timedOut: boolean): void {
    this.#counters.failed++;
    const resolve = job.resolve;
    const info: FailureInfo | undefined =
      this.#onFailed === undefined ? undefined : { attempts: job.attempt, priority: job.priority, timedOut };
    if (timedOut) {
      job.resolve = ABANDONED_RESOLVE;
    } else {
      this.#release(job);
    }
    if (resolve !== undefined) settleRejected(resolve, error);
    if (info !== undefined) {
      try {
        (this.#onFailed as (error: unknown, info: FailureInfo) => void)(error, info);
      } catch {
        // the hook's own failure must not break the queue; documented as ignored
      }
    }
  }

  /** Timer of a job: its timeout while RUNNING, the end of its backoff while DELAYED. */
  #onTimer(job: Job): void {
    const x = job.x();
    x.timer = undefined;
    if (job.state === RUNNING) {
      const error = new TimeoutError(`The task timed out after ${x.timeoutMs} ms`, x.timeoutMs);
      this.#counters.timedOut++;
      this.#abandon(job, error);
      this.#fail(job, error, true);
      this.#pump();
    } else if (job.state === DELAYED) {
      this.#delayed.remove(job);
      this.#enqueue(job);
      this.#pump();
    }
  }

  /** Releases a running job's slot at once and aborts its signal; the job returns to the pool when its task settles. */
  #abandon(job: Job, reason: unknown): void {
    const x = job.x();
    if (x.timer !== undefined) {
      this.#clock.clearTimeout(x.timer);
      x.timer = undefined;
    }
    this.#running.remove(job);
    job.state = ABANDONED;
    job.fn = undefined;
    if (x.group !== undefined) this.#unlisten(x);
    job.abort(reason);
  }

  /**
   * The caller's signal aborted: running members get their own signal aborted; every other member is removed and
   * rejected first, and only then does the queue pump once, so no member can start in between.
   */
  #onSignalAbort(group: SignalGroup): void {
    const reason = group.signal.reason;
    let removed = false;
    for (let job = group.head; job !== undefined; ) {
      const next = (job.ext as JobExt).sigNext;
      if (job.state === RUNNING) job.abort(reason);
      else if (this.#removeAborted(job, reason)) removed = true;
      job = next;
    }
    if (removed) {
      this.#dropRateTimerIfEmpty();
      this.#pump();
    }
  }

  /** Removes a member that has not started and rejects it with `reason`; false when it was not removable. */
  #removeAborted(job: Job, reason: unknown): boolean {
    const x = job.x();
    const state = job.state;
    if (state === QUEUED) {
      this.#levelFor(job.priority).remove(job);
      this.#size--;
    } else if (state === WAITING) {
      this.#waiting.remove(job);
    } else if (state === DELAYED) {
      this.#delayed.remove(job);
      if (x.timer !== undefined) this.#clock.clearTimeout(x.timer);
      x.timer = undefined;
    } else {
      return false;
    }
    this.#counters.cancelled++;
    const resolve = job.resolve as (value: unknown) => void;
    this.#release(job);
    settleRejected(resolve, reason);
    return true;
  }

  #rejectNotStarted(code: 'ERR_QUEUE_CLEARED' | 'ERR_QUEUE_CLOSED', message: string): number {
    let n = 0;
    const drop = (job: Job): void => {
      const x = job.ext;
      if (x?.timer !== undefined) this.#clock.clearTimeout(x.timer);
      if (x !== undefined) x.timer = undefined;
      const resolve = job.resolve as (value: unknown) => void;
      this.#release(job);
      settleRejected(resolve, new ScalingError(code, message));
      n++;
    };
    for (const level of this.#levels) for (let j = level.shift(); j !== undefined; j = level.shift()) drop(j);
    this.#size = 0;
    for (let j = this.#waiting.shift(); j !== undefined; j = this.#waiting.shift()) drop(j);
    for (let j = this.#delayed.shift(); j !== undefined; j = this.#delayed.shift()) drop(j);
    this.#counters.cleared += n;
    this.#dropRateTimerIfEmpty();
    return n;
  }

  /** Starts what may start, refills from the wait-for-room FIFO, then wakes waiters. Re-entrant calls loop instead of recursing. */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        while (
          this.#size > 0 &&
          !this.#paused &&
          this.#running.length < this.#concurrency &&
          (this.#limiter === undefined || this.#rateAllows())
        ) {
          this.#start(this.#dequeue());
        }
        const waiting = this.#waiting;
        while (waiting.length > 0 && this.#size < this.#maxQueued) {
          this.#enqueue(waiting.shift() as Job);
          this.#pumpAgain = true;
        }
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
    if (this.#sizeWaiters.length > 0 || this.#emptyWaiters.length > 0 || this.#idleWaiters.length > 0) this.#notify();
  }

  #isIdle(): boolean {
    return this.#size === 0 && this.#running.length === 0 && this.#waiting.length === 0 && this.#delayed.length === 0;
  }

  #notify(): void {
    if (this.#sizeWaiters.length > 0) {
      const size = this.#size;
      const still: Array<{ limit: number; resolve: () => void }> = [];
      for (const w of this.#sizeWaiters) {
        if (size < w.limit) w.resolve();
        else still.push(w);
      }
      this.#sizeWaiters = still;
    }
    if (this.#emptyWaiters.length > 0 && this.#size === 0 && this.#waiting.length === 0) {
      const ws = this.#emptyWaiters;
      this.#emptyWaiters = [];
      for (const w of ws) w();
    }
    if (this.#idleWaiters.length > 0 && this.#isIdle()) {
      const ws = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of ws) w();
    }
  }
}

/**
 * Rejects a caller's promise through its resolve function: a record keeps only `resolve` (the promise's reject
 * function is never referenced, so it is garbage at once — about 70 bytes less per queued task); failures are
 * the slow path and pay one extra promise.
 */
/** Stands in for `resolve` on an abandoned record, whose caller's promise has already been settled. */
function ABANDONED_RESOLVE(): void {}

function settleRejected(resolve: (value: unknown) => void, reason: unknown): void {
  resolve(Promise.reject(reason));
}

function assertCount(name: string, value: unknown): asserts value is number {
  if (value === INF) return;
  if (typeof value !== 'number')
    throw new TypeError(`Expected \`${name}\` to be a positive integer or Infinity, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`Expected \`${name}\` to be a positive integer or Infinity, got ${describeValue(value)}`);
}

function assertTimeout(name: string, value: unknown): asserts value is number {
  if (value === INF) return;
  if (typeof value !== 'number')
    throw new TypeError(`Expected \`${name}\` to be a positive number or Infinity, got ${describeValue(value)}`);
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`Expected \`${name}\` to be a positive number or Infinity, got ${describeValue(value)}`);
}
