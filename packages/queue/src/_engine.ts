/*
 * The job lifecycle this file drives. A job is a pooled record (`_job.ts`); its `state` names the one list it is in.
 *
 *                          add() / tryAdd()
 *            ┌────────────────────┼─────────────────────────────┐
 *            │ slot free, nothing │ room: size < maxQueued       │ full, whenFull 'wait' (add only)
 *            │ queued or waiting, │                              ▼
 *            │ not paused, rate   │                          WAITING ──── room, or (maxQueued 0) a free slot ──┐
 *            │ limit allows       │                                                                         │
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
 *   (a RUNNING job whose caller's signal aborts stays RUNNING: its task's own signal is aborted)
 *   entering QUEUED (from add(), WAITING or DELAYED) when the queue class's enqueue() throws ──▶ FREE (that error)
 *   Not accepted (closed, full, pre-aborted signal): no record is taken.
 *
 * Every move into FREE settles the caller's promise exactly once; failures for good, clear() and close() also reach
 * the dead-letter hook (`onFailed`) and the `failed` event. Slots are counted by the RUNNING list, so an ABANDONED
 * job (its task still running after a timeout) holds none. This file drives admission, starts and completions (the
 * hot path). Elsewhere: the moves out of RUNNING on failure (retry, timeout, dead letter) `_failure.ts`; removals
 * (abort, clear, close) `_removal.ts`; the order of QUEUED jobs, a pluggable `PriorityQueue`, `_priority-levels.ts` by
 * default; caller signals `_signal-groups.ts`; the record pool `_job-pool.ts`; `onIdle`/`onEmpty`/`onSizeLessThan`
 * `_waiters.ts`; options `_options.ts`; the rate limit's window `_rate-limiter.ts` and its gate on starts (with its
 * wake-up timer) `_rate-gate.ts`; the queue's timers `_timer.ts`; the `scaling:queue:run` tracing channel
 * `_run-channel.ts`; the public face `queue.ts`.
 */
import { type Backoff, type Clock, Histogram, type TimerHandle } from '@scaling/core';
import { describeValue, Emitter } from '@scaling/core/internal';
import { attemptFailed, jobTimerFired } from './_failure.js';
import { ABANDONED, type Job, type JobExt, QUEUED, RUNNING, WAITING } from './_job.js';
import { JobList } from './_job-list.js';
import { JobPool } from './_job-pool.js';
import { buildPriorityQueue, checkAddOptions, type QueueConfig } from './_options.js';
import { dropRateTimerIfIdle, rateAllows, rateTimerFired } from './_rate-gate.js';
import { SlidingWindowLimiter } from './_rate-limiter.js';
import { dropNotStarted, onSignalAbort } from './_removal.js';
import { callTask, RUN_CHANNEL } from './_run-channel.js';
import { rethrowLater, settleRejected } from './_settle.js';
import { SignalGroups } from './_signal-groups.js';
import { armTimer } from './_timer.js';
import { Waiters } from './_waiters.js';
import { QueueClosedError, QueueFullError } from './errors.js';
import type { QueueEvents } from './events.js';
import type { AddOptions, FailureInfo } from './options.js';
import type { PriorityQueue } from './priority-queue.js';
import type { QueueCounters } from './stats.js';
import type { Task } from './task.js';

const INF = Number.POSITIVE_INFINITY;
const EVENTS: ReadonlyArray<keyof QueueEvents> = ['failed', 'retry', 'full'];

/**
 * The state of one {@link Queue} and the moves of its jobs between states (the diagram above). Internal: `Queue` holds
 * one in a private field and forwards to it; `_failure.ts` and `_removal.ts` act on its fields. Every field is the
 * queue's own state; nothing here is public API.
 * @internal
 */
export class QueueEngine {
  concurrency: number;
  readonly maxQueued: number;
  readonly waitWhenFull: boolean;
  readonly limiter: SlidingWindowLimiter | undefined;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly backoff: Backoff | undefined;
  readonly retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
  readonly onFailed: ((error: unknown, info: FailureInfo) => void) | undefined;
  readonly clock: Clock;
  /** Whether starts read the clock (rate limit, `trackStartTimes` or `trackDurations`); off, the fast path never calls `clock.now()`. */
  readonly timed: boolean;
  /** `trackDurations`: record `waitDuration` and `runDuration`. */
  readonly durations: boolean;
  /** ms from admission (or a retry rejoining) to an attempt's start; recorded only with `trackDurations`. */
  readonly waitDuration: Histogram | undefined;
  /** ms from an attempt's start to its settling or timeout; recorded only with `trackDurations`. */
  readonly runDuration: Histogram | undefined;

  /** The QUEUED jobs, in start order; `size` counts them (the queue class is not asked). */
  readonly queued: PriorityQueue;
  size = 0;
  readonly running = new JobList();
  readonly waiting = new JobList();
  readonly delayed = new JobList();
  paused: boolean;
  closed = false;
  /** Closed with `drain: false`: nothing accepted may start or be retried any more. */
  dropOnClose = false;
  closing: Promise<void> | undefined = undefined;
  rateTimer: TimerHandle | undefined = undefined;
  pumping = false;
  pumpAgain = false;

  readonly pool = new JobPool();
  readonly signals = new SignalGroups((group) => onSignalAbort(this, group));
  readonly waiters = new Waiters();
  readonly events: Emitter<QueueEvents>;

  /** Kept apart from the other counters: the ones the fast path bumps. */
  completed = 0;
  /** Tasks accepted by `add`/`tryAdd` (pre-aborted ones, counted as cancelled, included). */
  added = 0;
  /** Attempts started (retries included). */
  started = 0;
  readonly counters: QueueCounters = { completed: 0, failed: 0, retried: 0, timedOut: 0, rejectedFull: 0, cancelled: 0, cleared: 0 };

  resolveNext: ((value: unknown) => void) | undefined = undefined;
  /** One executor for every promise, so `add` creates no closure of its own. */
  readonly executor = (resolve: (value: unknown) => void): void => {
    this.resolveNext = resolve;
  };
  readonly onRateTimer = (): void => rateTimerFired(this);

  /** @param source - the `Queue`, reported as `source` on diagnostics channels. */
  constructor(c: QueueConfig, source: object) {
    this.concurrency = c.concurrency;
    this.maxQueued = c.maxQueued;
    this.waitWhenFull = c.waitWhenFull;
    this.timeoutMs = c.timeoutMs;
    this.limiter = c.rateLimit && new SlidingWindowLimiter(c.rateLimit.limit, c.rateLimit.intervalMs);
    this.attempts = c.attempts;
    this.backoff = c.backoff;
    this.retryIf = c.retryIf;
    this.onFailed = c.onFailed;
    this.paused = c.paused;
    this.clock = c.clock;
    this.durations = c.trackDurations;
    this.timed = c.trackStartTimes || c.trackDurations || this.limiter !== undefined;
    this.waitDuration = c.trackDurations ? new Histogram() : undefined;
    this.runDuration = c.trackDurations ? new Histogram() : undefined;
    this.queued = buildPriorityQueue(c.queueClass);
    this.events = new Emitter<QueueEvents>('queue', EVENTS, source);
  }

  admit(task: Task<unknown>, options: AddOptions | undefined, tryOnly: boolean): Promise<unknown> | undefined {
    if (typeof task !== 'function') throw new TypeError(`Expected \`task\` to be a function, got ${describeValue(task)}`);
    let priority = 0;
    let signal: AbortSignal | undefined;
    let timeoutMs = this.timeoutMs;
    if (options !== undefined) {
      checkAddOptions(options);
      if (options.priority !== undefined) priority = options.priority;
      if (options.timeoutMs !== undefined) timeoutMs = options.timeoutMs;
      signal = options.signal;
    }
    if (this.closed) return tryOnly ? undefined : Promise.reject(new QueueClosedError());
    if (signal?.aborted) {
      this.added++;
      this.counters.cancelled++;
      return Promise.reject(signal.reason);
    }
    let state: number;
    if (
      this.size === 0 &&
      this.waiting.length === 0 &&
      !this.paused &&
      this.running.length < this.concurrency &&
      (this.limiter === undefined || rateAllows(this))
    ) {
      state = RUNNING;
    } else if (this.size < this.maxQueued) {
      state = QUEUED;
    } else if (this.waitWhenFull && !tryOnly) {
      state = WAITING;
    } else {
      return this.refuseFull(tryOnly);
    }
    this.added++;
    const job = this.pool.acquire();
    job.fn = task;
    job.priority = priority;
    if (this.durations) job.x().queuedAt = this.clock.now();
    if (timeoutMs !== INF) job.x().timeoutMs = timeoutMs;
    if (signal !== undefined) this.signals.listen(job, job.x(), signal);
    const promise = new Promise(this.executor);
    job.resolve = this.resolveNext;
    if (state === RUNNING) this.start(job);
    else if (state === QUEUED) this.enqueue(job);
    else {
      job.state = WAITING;
      this.waiting.push(job);
    }
    return promise;
  }

  refuseFull(tryOnly: boolean): Promise<never> | undefined {
    this.counters.rejectedFull++;
    dropRateTimerIfIdle(this); // a blocked start check may have armed it; nothing waits on it
    if (this.events.wants('full')) this.events.emit('full', { size: this.size, maxQueued: this.maxQueued });
    return tryOnly ? undefined : Promise.reject(new QueueFullError(this.maxQueued));
  }

  /** QUEUED: hands `job` to the queue class. If that throws, the job is rejected with the error and false returned. */
  enqueue(job: Job): boolean {
    job.state = QUEUED;
    try {
      this.queued.enqueue(job);
    } catch (error) {
      const resolve = job.resolve as (value: unknown) => void;
      this.release(job);
      settleRejected(resolve, error);
      return false;
    }
    this.size++;
    if (this.dropOnClose) {
      // the queue class's own callback closed the queue without draining while this job was on its way in
      dropNotStarted(this, 'closed');
      return false;
    }
    return true;
  }

  /** The next QUEUED job (skipping any the queue class failed to forget), or undefined when it yields none. */
  dequeue(): Job | undefined {
    let job: Job | undefined;
    try {
      do job = this.queued.dequeue() as Job | undefined;
      while (job !== undefined && job.state !== QUEUED);
    } catch (error) {
      rethrowLater(error);
      return undefined;
    }
    if (job !== undefined) this.size--;
    return job;
  }

  /** Takes a slot for `job` and calls its task (synchronously). */
  start(job: Job): void {
    this.begin(job);
    const onOk = job.onOk ?? this.bind(job);
    try {
      if (RUN_CHANNEL.hasSubscribers) {
        RUN_CHANNEL.tracePromise(callTask, { priority: job.priority, attempt: job.attempt }, undefined, job).then(onOk, job.onErr);
        return;
      }
      const result = (job.fn as Task<unknown>)(job);
      (result instanceof Promise ? result : Promise.resolve(result)).then(onOk, job.onErr);
    } catch (error) {
      // settle asynchronously even then, so a run of synchronously throwing tasks never recurses
      Promise.reject(error).then(undefined, job.onErr);
    }
  }

  begin(job: Job): void {
    job.state = RUNNING;
    job.attempt++;
    this.started++;
    this.running.push(job);
    if (this.timed) {
      const now = this.clock.now();
      const x = job.x();
      x.startedAt = now;
      if (this.limiter !== undefined) this.limiter.record(now);
      if (this.waitDuration !== undefined) this.waitDuration.record(now - x.queuedAt);
    }
    const x = job.ext;
    if (x !== undefined && x.timeoutMs !== INF) {
      if (x.onTimer === undefined) x.onTimer = () => jobTimerFired(this, job);
      x.timer = armTimer(this.clock, x.onTimer, x.timeoutMs);
    }
  }

  /**
   * Creates the record's two settle handlers, once per pooled record (never per task). They settle the caller's
   * promise through `resolve` and never throw, so the derived promise cannot reject unhandled. Every caller's
   * promise is the queue's own (never the task's derived promise), so the queue can always settle it — even for
   * a task that never settles, at a timeout or the close() deadline. A record whose slot was taken away
   * (timeout, close deadline) only goes back to the pool.
   */
  bind(job: Job): (value: unknown) => unknown {
    job.onErr = (error: unknown): unknown => {
      if (job.state !== RUNNING) {
        if (job.state === ABANDONED) this.release(job);
        return undefined;
      }
      if (this.runDuration !== undefined) this.recordRun(job);
      this.vacate(job);
      attemptFailed(this, job, error);
      this.next();
      return undefined;
    };
    const onOk = (job.onOk = (value: unknown): unknown => {
      if (job.state !== RUNNING) {
        if (job.state === ABANDONED) this.release(job);
        return undefined;
      }
      const resolve = job.resolve as (value: unknown) => void;
      if (this.runDuration !== undefined) this.recordRun(job);
      this.vacate(job);
      this.completed++;
      this.release(job);
      resolve(value);
      this.next();
      return undefined;
    });
    return onOk;
  }

  /** `trackDurations`: the running attempt of `job` ends now. */
  recordRun(job: Job): void {
    (this.runDuration as Histogram).record(this.clock.now() - (job.ext as JobExt).startedAt);
  }

  /** Gives up a running job's slot (and its timer). */
  vacate(job: Job): void {
    const x = job.ext;
    if (x !== undefined && x.timer !== undefined) {
      this.clock.clearTimeout(x.timer);
      x.timer = undefined;
    }
    this.running.remove(job);
  }

  /** After a slot frees: the common case (start the next queued task) inline, everything else via the pump. */
  next(): void {
    if (this.size === 0) {
      // nothing queued; with maxQueued 0 a task waiting for room may take the slot
      if (this.waiting.length > 0) this.pump();
      else if (this.waiters.count > 0) this.notify();
      return;
    }
    if (!this.paused && !this.pumping && this.running.length < this.concurrency && this.limiter === undefined) {
      const job = this.dequeue();
      if (job !== undefined) this.start(job);
      // a task now runs, so idle waiters cannot wake: only size waiters and more starts need the pump
      if ((this.size > 0 && this.running.length < this.concurrency) || this.waiting.length > 0 || this.waiters.onSize > 0) this.pump();
    } else {
      this.pump();
    }
  }

  /** Starts what may start, refills from the wait-for-room FIFO, then wakes waiters. Re-entrant calls loop instead of recursing. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.size > 0 && this.canStartOne()) {
          const job = this.dequeue();
          if (job === undefined) break;
          this.start(job);
        }
        const waiting = this.waiting;
        // room in the queue, or (maxQueued 0) a slot a waiting task can take directly
        while (waiting.length > 0 && (this.size < this.maxQueued || (this.size === 0 && this.canStartOne()))) {
          this.enqueue(waiting.shift() as Job);
          this.pumpAgain = true;
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.waiters.count > 0) this.notify();
  }

  canStartOne(): boolean {
    return !this.paused && this.running.length < this.concurrency && (this.limiter === undefined || rateAllows(this));
  }

  release(job: Job): void {
    const x = job.ext;
    if (x !== undefined && x.group !== undefined) this.signals.unlisten(x);
    this.pool.release(job);
  }

  isIdle(): boolean {
    return this.size === 0 && this.running.length === 0 && this.waiting.length === 0 && this.delayed.length === 0;
  }

  notify(): void {
    if (this.waiters.count > 0) this.waiters.notify(this.size, this.size === 0 && this.waiting.length === 0, this.isIdle());
  }
}
