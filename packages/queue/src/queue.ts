/*
 * The job lifecycle this file drives. A job is a pooled record (`_job.ts`); its `state` names the one list it is in.
 *
 *                          add() / tryAdd()
 *            ┌────────────────────┼─────────────────────────────┐
 *            │ slot free, nothing │ room: size < maxQueued       │ full, whenFull 'wait' (add only)
 *            │ queued, not paused,│                              ▼
 *            │ rate limit allows  │                          WAITING ──── room, or (maxQueued 0) a free slot ──┐
 *            ▼                    ▼                                                                         │
 *   ┌──▶ RUNNING ◀── pump ─── QUEUED ◀─────────────────────────────────────────────────────────────────────────┘
 *   │     │  │  │               ▲
 *   │     │  │  └─ error, retry allowed ─▶ DELAYED ── backoff timer ──┘
 *   │     │  └──── timeout / close() deadline ─▶ ABANDONED ── task settles ──▶ FREE   (promise already rejected)
 *   │     └─────── resolved, or error for good ─▶ FREE                                  (promise settled)
 *   │
 *   └── a free record is reused by the next add()
 *
 *   QUEUED, WAITING, DELAYED ── caller's signal aborts, clear(), close({ drain: false }) or its deadline ──▶ FREE
 *   Not accepted (closed, full, pre-aborted signal): no record is taken.
 *
 * Every move into FREE settles the caller's promise exactly once; failures for good, clear() and close() also reach
 * the dead-letter hook (`onFailed`) and the `failed` event. Slots are counted by the RUNNING list, so an ABANDONED
 * job (its task still running after a timeout) holds none. The pieces: the order of QUEUED jobs is a pluggable
 * `PriorityQueue` (`_priority-levels.ts` by default), caller signals are grouped in `_signal-groups.ts`, records are
 * pooled in `_job-pool.ts`, `onIdle`/`onEmpty`/`onSizeLessThan` waiters live in `_waiters.ts`, options are checked in
 * `_options.ts` and the rate limit is `_rate-limiter.ts`.
 */
import { type Backoff, type Clock, type Listener, type Subscribable, TimeoutError, type TimerHandle } from '@scaling/core';
import { describeValue, Emitter } from '@scaling/core/internal';
import { ABANDONED, DELAYED, type Job, JobList, QUEUED, RUNNING, WAITING } from './_job.js';
import { JobPool } from './_job-pool.js';
import { assertCount, checkAddOptions, parseCloseOptions, parseQueueOptions } from './_options.js';
import { PriorityLevels } from './_priority-levels.js';
import { SlidingWindowLimiter } from './_rate-limiter.js';
import { type SignalGroup, SignalGroups } from './_signal-groups.js';
import { Waiters } from './_waiters.js';
import { QueueClearedError, QueueClosedError, QueueFullError } from './errors.js';
import type { QueueEvents } from './events.js';
import type { AddOptions, CloseOptions, FailureInfo, FailureReason, QueueOptions } from './options.js';
import type { PriorityQueue } from './priority-queue.js';
import type { QueueCounters, QueueStats, RunningTask } from './stats.js';
import type { Task } from './task.js';

const INF = Number.POSITIVE_INFINITY;
const EVENTS: ReadonlyArray<keyof QueueEvents> = ['failed', 'retry', 'full'];

/** A task dropped by clear()/close(), remembered until every dropped task is settled and the hooks may run. */
type Dropped = { error: unknown; attempts: number; priority: number; task: Task<unknown> };

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

  /** The QUEUED jobs, in start order; `#size` counts them (the queue class is not asked). */
  readonly #queued: PriorityQueue;
  #size = 0;
  readonly #running = new JobList();
  readonly #waiting = new JobList();
  readonly #delayed = new JobList();
  #paused: boolean;
  #closed = false;
  #dropOnClose = false;
  #closing: Promise<void> | undefined = undefined;
  #rateTimer: TimerHandle | undefined = undefined;
  #pumping = false;
  #pumpAgain = false;

  readonly #pool = new JobPool();
  readonly #signals = new SignalGroups((group) => this.#onSignalAbort(group));
  readonly #waiters = new Waiters();
  readonly #events: Emitter<QueueEvents>;

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

  constructor(options?: QueueOptions) {
    const c = parseQueueOptions(options);
    this.#concurrency = c.concurrency;
    this.#maxQueued = c.maxQueued;
    this.#waitWhenFull = c.waitWhenFull;
    this.#timeoutMs = c.timeoutMs;
    this.#limiter = c.rateLimit && new SlidingWindowLimiter(c.rateLimit.limit, c.rateLimit.intervalMs);
    this.#attempts = c.attempts;
    this.#backoff = c.backoff;
    this.#retryIf = c.retryIf;
    this.#onFailed = c.onFailed;
    this.#paused = c.paused;
    this.#clock = c.clock;
    this.#timed = c.trackStartTimes || this.#limiter !== undefined;
    this.#queued = c.queueClass === undefined ? new PriorityLevels() : new c.queueClass();
    for (const m of ['enqueue', 'dequeue', 'remove'] as const)
      if (typeof this.#queued[m] !== 'function')
        throw new TypeError(`Expected \`queueClass\` to build a PriorityQueue with a \`${m}()\` method, got an object without one`);
    this.#events = new Emitter<QueueEvents>('queue', EVENTS, this);
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

  /** The `maxQueued` option: most tasks waiting in the queue (`0`: never queue; `Infinity`: unbounded). */
  get maxQueued(): number {
    return this.#maxQueued;
  }

  /** True while paused: nothing new starts. */
  get isPaused(): boolean {
    return this.#paused;
  }

  /** True after {@link Queue.close}: `add` rejects with `ERR_QUEUE_CLOSED`. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * True when a task added now could neither start at once nor join the queue: `add` would reject with
   * `ERR_QUEUE_FULL` (or, with `whenFull: 'wait'`, wait for room) and `tryAdd` would return `undefined`. Synchronous
   * and free of side effects: answer "busy" (HTTP 429) before doing any work. (A closed queue refuses every task
   * whatever this says: see {@link Queue.isClosed}.)
   */
  get isFull(): boolean {
    if (this.#size < this.#maxQueued) return false;
    return !(
      this.#size === 0 &&
      this.#waiting.length === 0 &&
      !this.#paused &&
      this.#running.length < this.#concurrency &&
      (this.#limiter === undefined || this.#limiter.waitMs(this.#clock.now()) === 0)
    );
  }

  /** A snapshot of the running totals. @deprecated Use {@link Queue.stats} (the same counters plus the gauges). */
  get counters(): QueueCounters {
    return { ...this.#counters, completed: this.#completed };
  }

  /** A snapshot of the counters and the gauges (`size`, `pending`, `waitingForRoom`, `retrying`). */
  stats(): QueueStats {
    return {
      ...this.#counters,
      completed: this.#completed,
      size: this.#size,
      pending: this.#running.length,
      waitingForRoom: this.#waiting.length,
      retrying: this.#delayed.length,
    };
  }

  /**
   * Calls `listener` with each `event`'s payload (see {@link QueueEvents}) until the returned function is called.
   * @throws {TypeError} on an unknown event or a listener that is not a function.
   */
  on<K extends keyof QueueEvents & string>(event: K, listener: Listener<QueueEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<K extends keyof QueueEvents & string>(event: K, listener: Listener<QueueEvents[K]>): void {
    this.#events.off(event, listener);
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
    assertCount('concurrency', value, 1);
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
    return this.#admit(task, options, false) as Promise<T>;
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
    return this.#admit(task, options, true) as Promise<T> | undefined;
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
    return this.#isIdle() ? Promise.resolve() : this.#waiters.idle();
  }

  /** Resolves when nothing is queued or waiting for room (tasks may still run) — at once if so already. */
  onEmpty(): Promise<void> {
    return this.#size === 0 && this.#waiting.length === 0 ? Promise.resolve() : this.#waiters.empty();
  }

  /**
   * Resolves when `size < limit`, re-checked on every size change — at once if so already. Use it to apply
   * backpressure upstream (`await queue.onSizeLessThan(100)` before reading more input).
   * @throws {TypeError}/{@link RangeError} unless `limit` is a positive number.
   */
  onSizeLessThan(limit: number): Promise<void> {
    if (typeof limit !== 'number') throw new TypeError(`Expected \`limit\` to be a positive number, got ${describeValue(limit)}`);
    if (!(limit > 0)) throw new RangeError(`Expected \`limit\` to be a positive number, got ${describeValue(limit)}`);
    return this.#size < limit ? Promise.resolve() : this.#waiters.sizeLessThan(limit);
  }

  /**
   * Removes every task that has not started (queued, waiting for room, or waiting out a retry backoff) and
   * rejects each one's promise with `ERR_QUEUE_CLEARED` ({@link QueueClearedError}); each then reaches `onFailed`
   * (reason `'cleared'`). Running tasks continue. Returns how many were removed.
   */
  clear(): number {
    return this.#dropNotStarted('cleared');
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
    if (this.#closing !== undefined) return this.#closing;
    let done!: () => void;
    this.#closing = new Promise<void>((resolve) => (done = resolve));
    this.#closed = true;
    this.#dropOnClose = !drain;
    let deadline: TimerHandle | undefined;
    if (timeoutMs !== INF) deadline = this.#arm(() => this.#closeDeadline(timeoutMs, done), timeoutMs);
    if (!drain) this.#dropNotStarted('closed');
    else if (this.#paused) this.resume();
    this.#notify();
    void this.onIdle().then(() => {
      if (deadline !== undefined) this.#clock.clearTimeout(deadline);
      done();
    });
    return this.#closing;
  }

  // ---- admission ------------------------------------------------------------------------------------------------

  #admit(task: Task<unknown>, options: AddOptions | undefined, tryOnly: boolean): Promise<unknown> | undefined {
    if (typeof task !== 'function') throw new TypeError(`Expected \`task\` to be a function, got ${describeValue(task)}`);
    let priority = 0;
    let signal: AbortSignal | undefined;
    let timeoutMs = this.#timeoutMs;
    if (options !== undefined) {
      checkAddOptions(options);
      if (options.priority !== undefined) priority = options.priority;
      if (options.timeoutMs !== undefined) timeoutMs = options.timeoutMs;
      signal = options.signal;
    }
    if (this.#closed) return tryOnly ? undefined : Promise.reject(new QueueClosedError());
    if (signal?.aborted) {
      this.#counters.cancelled++;
      return Promise.reject(signal.reason);
    }
    let state: number;
    if (
      this.#size === 0 &&
      this.#waiting.length === 0 &&
      !this.#paused &&
      this.#running.length < this.#concurrency &&
      (this.#limiter === undefined || this.#rateAllows())
    ) {
      state = RUNNING;
    } else if (this.#size < this.#maxQueued) {
      state = QUEUED;
    } else if (this.#waitWhenFull && !tryOnly) {
      state = WAITING;
    } else {
      return this.#refuseFull(tryOnly);
    }
    const job = this.#pool.acquire();
    job.fn = task;
    job.priority = priority;
    if (timeoutMs !== INF) job.x().timeoutMs = timeoutMs;
    if (signal !== undefined) this.#signals.listen(job, job.x(), signal);
    const promise = new Promise(this.#executor);
    job.resolve = this.#resolveNext;
    if (state === RUNNING) this.#start(job);
    else if (state === QUEUED) this.#enqueue(job);
    else {
      job.state = WAITING;
      this.#waiting.push(job);
    }
    return promise;
  }

  #refuseFull(tryOnly: boolean): Promise<never> | undefined {
    this.#counters.rejectedFull++;
    this.#dropRateTimerIfIdle(); // a blocked start check may have armed it; nothing waits on it
    if (this.#events.wants('full')) this.#events.emit('full', { size: this.#size, maxQueued: this.#maxQueued });
    return tryOnly ? undefined : Promise.reject(new QueueFullError(this.#maxQueued));
  }

  /** QUEUED: hands `job` to the queue class. If that throws, the job is rejected with the error and false returned. */
  #enqueue(job: Job): boolean {
    job.state = QUEUED;
    try {
      this.#queued.enqueue(job);
    } catch (error) {
      const resolve = job.resolve as (value: unknown) => void;
      this.#release(job);
      settleRejected(resolve, error);
      return false;
    }
    this.#size++;
    if (this.#dropOnClose) {
      // the queue class's own callback closed the queue without draining while this job was on its way in
      this.#dropNotStarted('closed');
      return false;
    }
    return true;
  }

  /** The next QUEUED job (skipping any the queue class failed to forget), or undefined when it yields none. */
  #dequeue(): Job | undefined {
    let job: Job | undefined;
    try {
      do job = this.#queued.dequeue() as Job | undefined;
      while (job !== undefined && job.state !== QUEUED);
    } catch (error) {
      rethrowLater(error);
      return undefined;
    }
    if (job !== undefined) this.#size--;
    return job;
  }

  // ---- running ---------------------------------------------------------------------------------------------------

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
      // nothing queued; with maxQueued 0 a task waiting for room may take the slot
      if (this.#waiting.length > 0) this.#pump();
      else if (this.#waiters.count > 0) this.#notify();
      return;
    }
    if (!this.#paused && !this.#pumping && this.#running.length < this.#concurrency && this.#limiter === undefined) {
      const job = this.#dequeue();
      if (job !== undefined) this.#start(job);
      // a task now runs, so idle waiters cannot wake: only size waiters and more starts need the pump
      if ((this.#size > 0 && this.#running.length < this.#concurrency) || this.#waiting.length > 0 || this.#waiters.onSize) this.#pump();
    } else {
      this.#pump();
    }
  }

  /** A failed attempt (its slot already released): schedule a retry or fail for good. */
  #onError(job: Job, error: unknown): void {
    if (job.attempt < this.#attempts && this.#shouldRetry(error, job.attempt)) {
      const delayMs = this.#backoffMs(job.attempt);
      // checked after the user's callbacks, which may have closed the queue or aborted the caller's signal
      if (delayMs >= 0 && !this.#dropOnClose && !job.ext?.userSignal?.aborted) {
        this.#counters.retried++;
        job.state = DELAYED;
        const x = job.x();
        x.controller = undefined;
        x.aborted = false;
        x.abortReason = undefined;
        this.#delayed.push(job);
        x.timer = this.#arm(x.onTimer ?? (x.onTimer = () => this.#onTimer(job)), delayMs);
        if (this.#events.wants('retry')) this.#events.emit('retry', { error, attempt: job.attempt, delayMs, priority: job.priority });
        return;
      }
    }
    this.#fail(job, error, 'error');
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

  /** The backoff before retry `n`; -1 (no retry) when the function throws or returns no non-negative number. */
  #backoffMs(n: number): number {
    try {
      const ms = (this.#backoff as Backoff)(n);
      return typeof ms === 'number' && ms >= 0 ? ms : -1;
    } catch {
      return -1;
    }
  }

  /** Rejects a job that failed for good (error or timeout), then calls the dead-letter hook. */
  #fail(job: Job, error: unknown, reason: 'error' | 'timeout'): void {
    this.#counters.failed++;
    const resolve = job.resolve as (value: unknown) => void;
    const { attempt, priority } = job;
    const task = job.fn as Task<unknown>;
    // a timed-out record stays with its still-running task (ABANDONED) and returns to the pool when that settles
    if (reason === 'timeout') job.resolve = ABANDONED_RESOLVE;
    else this.#release(job);
    settleRejected(resolve, error);
    this.#deadLetter(error, reason, attempt, priority, task);
  }

  /** Tells `onFailed` and the `failed` listeners about a task that will not complete. Never throws. */
  #deadLetter(error: unknown, reason: FailureReason, attempts: number, priority: number, task: Task<unknown>): void {
    const onFailed = this.#onFailed;
    if (onFailed !== undefined) {
      try {
        onFailed(error, { reason, attempts, priority, timedOut: reason === 'timeout', task });
      } catch {
        // the hook's own failure must not break the queue; documented as ignored
      }
    }
    if (this.#events.wants('failed')) this.#events.emit('failed', { error, reason, attempts, priority });
  }

  /** Timer of a job: its timeout while RUNNING, the end of its backoff while DELAYED. */
  #onTimer(job: Job): void {
    const x = job.x();
    x.timer = undefined;
    if (job.state === RUNNING) {
      const error = new TimeoutError(`The task timed out after ${x.timeoutMs} ms`, x.timeoutMs);
      this.#counters.timedOut++;
      const task = job.fn as Task<unknown>;
      this.#abandon(job, error);
      job.fn = task; // kept for the dead-letter hook; cleared when the record is released
      this.#fail(job, error, 'timeout');
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
    if (x.group !== undefined) this.#signals.unlisten(x);
    job.abort(reason);
  }

  // ---- removal: abort, clear, close --------------------------------------------------------------------------------

  /**
   * The caller's signal aborted: running members get their own signal aborted; every other member is removed and
   * rejected first, and only then does the queue pump once, so no member can start in between. The members are
   * copied first: an abort listener of a running task may call back into the queue.
   */
  #onSignalAbort(group: SignalGroup): void {
    const reason = group.signal.reason;
    let removed = false;
    for (const job of group.members()) {
      if (job.ext?.group !== group) continue; // settled meanwhile (e.g. a re-entrant clear())
      if (job.state === RUNNING) job.abort(reason);
      else if (this.#removeAborted(job, reason)) removed = true;
    }
    if (removed) {
      this.#dropRateTimerIfIdle();
      this.#pump();
    }
  }

  /** Removes a member that has not started and rejects it with `reason`; false when it was not removable. */
  #removeAborted(job: Job, reason: unknown): boolean {
    if (!this.#unlink(job)) return false;
    this.#counters.cancelled++;
    const resolve = job.resolve as (value: unknown) => void;
    this.#release(job);
    settleRejected(resolve, reason);
    return true;
  }

  /** Takes a not-started job out of its list (and its timer); false when it is in none of them. */
  #unlink(job: Job): boolean {
    const state = job.state;
    if (state === QUEUED) {
      try {
        this.#queued.remove(job);
      } catch (error) {
        rethrowLater(error); // treated as removed; #dequeue skips it if the queue class still yields it
      }
      this.#size--;
    } else if (state === WAITING) {
      this.#waiting.remove(job);
    } else if (state === DELAYED) {
      this.#delayed.remove(job);
      const x = job.x();
      if (x.timer !== undefined) this.#clock.clearTimeout(x.timer);
      x.timer = undefined;
    } else {
      return false;
    }
    return true;
  }

  /**
   * clear() and close(): rejects every job that has not started. Every one is taken out and settled before any hook
   * runs, so a hook that calls back (add, clear, close) sees a consistent queue and never the jobs being dropped.
   */
  #dropNotStarted(reason: 'cleared' | 'closed'): number {
    const jobs: Job[] = [];
    for (let job = this.#dequeue(); job !== undefined; job = this.#size > 0 ? this.#dequeue() : undefined) jobs.push(job);
    for (let j = this.#waiting.shift(); j !== undefined; j = this.#waiting.shift()) jobs.push(j);
    for (let j = this.#delayed.shift(); j !== undefined; j = this.#delayed.shift()) jobs.push(j);
    const hooks = this.#onFailed !== undefined || this.#events.wants('failed');
    const dropped: Dropped[] = [];
    for (const job of jobs) {
      const x = job.ext;
      if (x?.timer !== undefined) this.#clock.clearTimeout(x.timer);
      if (x !== undefined) x.timer = undefined;
      const error = reason === 'cleared' ? new QueueClearedError() : new QueueClosedError('The queue was closed before the task started');
      if (hooks) dropped.push({ error, attempts: job.attempt, priority: job.priority, task: job.fn as Task<unknown> });
      const resolve = job.resolve as (value: unknown) => void;
      this.#release(job);
      settleRejected(resolve, error);
    }
    this.#counters.cleared += jobs.length;
    this.#dropRateTimerIfIdle();
    this.#notify();
    for (const d of dropped) this.#deadLetter(d.error, reason, d.attempts, d.priority, d.task);
    return jobs.length;
  }

  /** The close() deadline: every accepted task still unsettled rejects with ERR_QUEUE_CLOSED; close resolves. */
  #closeDeadline(timeoutMs: number, done: () => void): void {
    this.#dropNotStarted('closed');
    const dropped: Dropped[] = [];
    for (let j = this.#running.head; j !== undefined; j = this.#running.head) {
      const error = new QueueClosedError(`The close() deadline of ${timeoutMs} ms passed while the task ran`);
      const resolve = j.resolve as (value: unknown) => void;
      dropped.push({ error, attempts: j.attempt, priority: j.priority, task: j.fn as Task<unknown> });
      j.resolve = ABANDONED_RESOLVE;
      this.#abandon(j, error); // may run the task's abort listener: it finds the job already out of the running list
      settleRejected(resolve, error);
    }
    this.#counters.cleared += dropped.length;
    this.#notify();
    done();
    for (const d of dropped) this.#deadLetter(d.error, 'closed', d.attempts, d.priority, d.task);
  }

  // ---- the pump, timers and waiters ----------------------------------------------------------------------------

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
        while (this.#size > 0 && this.#canStartOne()) {
          const job = this.#dequeue();
          if (job === undefined) break;
          this.#start(job);
        }
        const waiting = this.#waiting;
        // room in the queue, or (maxQueued 0) a slot a waiting task can take directly
        while (waiting.length > 0 && (this.#size < this.#maxQueued || (this.#size === 0 && this.#canStartOne()))) {
          this.#enqueue(waiting.shift() as Job);
          this.#pumpAgain = true;
        }
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
    if (this.#waiters.count > 0) this.#notify();
  }

  #canStartOne(): boolean {
    return !this.#paused && this.#running.length < this.#concurrency && (this.#limiter === undefined || this.#rateAllows());
  }

  /** Whether the rate limit allows a start now; when it does not, arms the one timer that wakes the pump. */
  #rateAllows(): boolean {
    const wait = (this.#limiter as SlidingWindowLimiter).waitMs(this.#clock.now());
    if (wait === 0) return true;
    if (this.#rateTimer === undefined) this.#rateTimer = this.#arm(this.#onRateTimer, wait);
    return false;
  }

  /** The rate-limit timer is only needed while tasks wait to start; drop it once none do (clear, abort, close, full). */
  #dropRateTimerIfIdle(): void {
    if (this.#size === 0 && this.#waiting.length === 0 && this.#rateTimer !== undefined) {
      this.#clock.clearTimeout(this.#rateTimer);
      this.#rateTimer = undefined;
    }
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

  #release(job: Job): void {
    const x = job.ext;
    if (x !== undefined && x.group !== undefined) this.#signals.unlisten(x);
    this.#pool.release(job);
  }

  #isIdle(): boolean {
    return this.#size === 0 && this.#running.length === 0 && this.#waiting.length === 0 && this.#delayed.length === 0;
  }

  #notify(): void {
    if (this.#waiters.count > 0) this.#waiters.notify(this.#size, this.#size === 0 && this.#waiting.length === 0, this.#isIdle());
  }
}

/** Stands in for `resolve` on an abandoned record, whose caller's promise has already been settled. */
function ABANDONED_RESOLVE(): void {}

/**
 * Rejects a caller's promise through its resolve function: a record keeps only `resolve` (the promise's reject
 * function is never referenced, so it is garbage at once — about 70 bytes less per queued task); failures are
 * the slow path and pay one extra promise.
 */
function settleRejected(resolve: (value: unknown) => void, reason: unknown): void {
  resolve(Promise.reject(reason));
}

/** Reports an error from a user callback that has no caller to reject, the way listeners' errors are reported. */
function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
