import type { Backoff, Clock } from '@scaling/core';
import type { PriorityQueue } from './priority-queue.js';
import type { Task } from './task.js';

/** Options of {@link Queue.add} and {@link Queue.tryAdd}. Unknown keys are a `TypeError` (p-queue's `timeout` → `timeoutMs`). */
export interface AddOptions {
  /** Higher runs first; FIFO among equal priorities (with the default `queueClass`). Any finite number. Default 0. */
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

/** Retry policy of a {@link Queue}. Unknown keys are a `TypeError` (p-retry's `retries` → `attempts`). */
export interface RetryOptions {
  /** Total attempts including the first (≥ 1). `1` means no retry. */
  attempts: number;
  /**
   * Delay in ms before retry number `n` (1 for the first retry). Default: `exponentialBackoff()` from
   * `@scaling/core` (full jitter, base 100 ms, cap 30 s). If it throws, or returns anything but a non-negative
   * number, the task is not retried: it fails for good with its own error.
   */
  backoff?: Backoff;
  /**
   * Whether a failure may be retried. Default: every error. A timeout (`ERR_TIMEOUT`) is never retried, since
   * the timed-out attempt may still be running. If it throws, the task is not retried.
   */
  retryIf?: (error: unknown, attempt: number) => boolean;
}

/** The sliding-window rate limit of a {@link Queue}. Unknown keys are a `TypeError` (p-queue's `intervalCap` → `limit`). */
export interface RateLimitOptions {
  /** Most task starts in any window of `intervalMs` (a positive integer). */
  limit: number;
  /** The window in ms (a positive finite number). */
  intervalMs: number;
}

/**
 * Why a task reached the dead-letter hook: `'error'` (failed after its last attempt), `'timeout'` (its attempt
 * timed out), `'cleared'` (removed by `clear()` before it started) or `'closed'` (dropped by `close({ drain: false })`
 * before it started, or still unsettled at the `close({ timeoutMs })` deadline).
 */
export type FailureReason = 'error' | 'timeout' | 'cleared' | 'closed';

/** What the dead-letter hook {@link QueueOptions.onFailed} learns about a task that will not complete. */
export interface FailureInfo {
  /** Why: see {@link FailureReason}. */
  reason: FailureReason;
  /** Attempts made (1 when it failed the first time and was not retried; 0 when it was dropped before it ever started). */
  attempts: number;
  /** The task's priority. */
  priority: number;
  /** True when the last attempt timed out (`reason === 'timeout'`). */
  timedOut: boolean;
  /** The task function itself, e.g. to hand it to another queue or persist it. */
  task: Task<unknown>;
}

/**
 * Options of {@link Queue}. Unknown keys are a `TypeError` naming the key, with a hint for names from p-queue,
 * fastq and Bottleneck (`intervalCap`/`interval` → `rateLimit`, `autoStart` → `paused`, `timeout` → `timeoutMs`,
 * `maxConcurrent` → `concurrency`, `highWater` → `maxQueued`, …).
 */
export interface QueueOptions {
  /** Tasks running at once: a positive integer or `Infinity`. Default 1. Changeable later via {@link Queue.concurrency}. */
  concurrency?: number;
  /**
   * Most tasks waiting in the queue (not counting running ones): a non-negative integer or `Infinity` (default).
   * `0` means never queue: a task starts at once if a slot is free (and the rate limit allows), else it is full.
   * It bounds admission: a retry of an already accepted task rejoins the queue after its backoff even when that
   * makes `size` exceed it (nothing accepted is dropped).
   */
  maxQueued?: number;
  /**
   * When `maxQueued` is reached: `'reject'` (default) rejects `add` with `ERR_QUEUE_FULL` (and `tryAdd` returns
   * `undefined`); `'wait'` keeps the task in a FIFO outside the queue until there is room (backpressure that never
   * drops) — with `maxQueued: 0`, until a slot is free.
   */
  whenFull?: 'reject' | 'wait';
  /** At most `limit` task starts in any window of `intervalMs` ms (sliding-window log: exact, no drift). */
  rateLimit?: RateLimitOptions;
  /** Default per-attempt time limit in ms (`Infinity`, the default, for none). See {@link Queue} for when the slot frees. */
  timeoutMs?: number;
  /** Retry failed tasks with backoff. Default: no retries. */
  retry?: RetryOptions;
  /**
   * Dead-letter hook: called once for every accepted task that will not complete — failed for good (error after
   * its last attempt, or timeout), removed by `clear()`, or dropped by `close()` — right after its promise rejected,
   * with the rejection and {@link FailureInfo} (`reason` says which). Not called for tasks cancelled by their own
   * signal (their caller knows) nor for `add` calls refused as full or closed (never accepted). It may call the
   * queue (e.g. `add` the task again); errors it throws are ignored and never break the queue.
   */
  onFailed?: (error: unknown, info: FailureInfo) => void;
  /** Start paused (call {@link Queue.resume}): p-queue's `autoStart: false`. Default false. */
  paused?: boolean;
  /**
   * Record each start time so {@link Queue.running} can report ages. Default false: reading the clock costs
   * about a tenth of the per-task time, so it is off unless asked for (or a rate limit reads it anyway).
   */
  trackStartTimes?: boolean;
  /**
   * Record the latency histograms of {@link Queue.stats}: `waitDuration` (ms from `add`, or from a retry rejoining
   * the queue, to the attempt's start) and `runDuration` (ms from an attempt's start to its settling or timeout).
   * Default false: it reads the clock two or three times per task, which costs more than the queue's own work on a
   * no-op task (measured on a loaded 2-core VM: a no-op task's CPU time ×3.3; nothing next to a task doing I/O), so it
   * is opt-in (the histograms stay empty). Implies `trackStartTimes`.
   */
  trackDurations?: boolean;
  /** The order of queued tasks (p-queue's `queueClass`): a class implementing {@link PriorityQueue}. Default: priority levels. */
  queueClass?: {
    /** Creates the empty store of queued tasks (called once, by the queue's constructor). */
    new (): PriorityQueue;
  };
  /** Time source for timeouts, backoff and the rate limit (`now`, `setTimeout`, `clearTimeout`). Default `systemClock`. */
  clock?: Clock;
}

/** Options of {@link Queue.close}. Unknown keys are a `TypeError`. */
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
