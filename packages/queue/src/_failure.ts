/*
 * The moves out of RUNNING on failure (see the lifecycle diagram in `_engine.ts`): a failed attempt is retried
 * (RUNNING → DELAYED → QUEUED) or fails for good (→ FREE); a timeout abandons the attempt (RUNNING → ABANDONED); and
 * every task that will not complete reaches the dead-letter hook and the `failed` event. User callbacks (`retryIf`,
 * `backoff`, `onFailed`) run here, each guarded so that a throw never leaves the queue inconsistent.
 */
import { type Backoff, TimeoutError } from '@scaling/core';
import type { QueueEngine } from './_engine.js';
import { ABANDONED, DELAYED, type Job, RUNNING } from './_job.js';
import { ABANDONED_RESOLVE, settleRejected } from './_settle.js';
import { armTimer } from './_timer.js';
import type { FailureReason } from './options.js';
import type { Task } from './task.js';

/** A failed attempt (its slot already released): schedule a retry or fail for good. */
export function attemptFailed(e: QueueEngine, job: Job, error: unknown): void {
  if (job.attempt < e.attempts && shouldRetry(e, error, job.attempt)) {
    const delayMs = backoffMs(e, job.attempt);
    // checked after the user's callbacks, which may have closed the queue or aborted the caller's signal
    if (delayMs >= 0 && !e.dropOnClose && !job.ext?.userSignal?.aborted) {
      e.counters.retried++;
      job.state = DELAYED;
      const x = job.x();
      x.controller = undefined;
      x.aborted = false;
      x.abortReason = undefined;
      e.delayed.push(job);
      x.timer = armTimer(e.clock, x.onTimer ?? (x.onTimer = () => jobTimerFired(e, job)), delayMs);
      if (e.events.wants('retry')) e.events.emit('retry', { error, attempt: job.attempt, delayMs, priority: job.priority });
      return;
    }
  }
  fail(e, job, error, 'error');
}

export function shouldRetry(e: QueueEngine, error: unknown, attempt: number): boolean {
  const retryIf = e.retryIf;
  if (retryIf === undefined) return true;
  try {
    return retryIf(error, attempt) === true;
  } catch {
    return false;
  }
}

/** The backoff before retry `n`; -1 (no retry) when the function throws or returns no non-negative number. */
export function backoffMs(e: QueueEngine, n: number): number {
  try {
    const ms = (e.backoff as Backoff)(n);
    return typeof ms === 'number' && ms >= 0 ? ms : -1;
  } catch {
    return -1;
  }
}

/** Rejects a job that failed for good (error or timeout), then calls the dead-letter hook. */
export function fail(e: QueueEngine, job: Job, error: unknown, reason: 'error' | 'timeout'): void {
  e.counters.failed++;
  const resolve = job.resolve as (value: unknown) => void;
  const { attempt, priority } = job;
  const task = job.fn as Task<unknown>;
  // a timed-out record stays with its still-running task (ABANDONED) and returns to the pool when that settles
  if (reason === 'timeout') job.resolve = ABANDONED_RESOLVE;
  else e.release(job);
  settleRejected(resolve, error);
  deadLetter(e, error, reason, attempt, priority, task);
}

/** Tells `onFailed` and the `failed` listeners about a task that will not complete. Never throws. */
export function deadLetter(
  e: QueueEngine,
  error: unknown,
  reason: FailureReason,
  attempts: number,
  priority: number,
  task: Task<unknown>,
): void {
  const onFailed = e.onFailed;
  if (onFailed !== undefined) {
    try {
      onFailed(error, { reason, attempts, priority, timedOut: reason === 'timeout', task });
    } catch {
      // the hook's own failure must not break the queue; documented as ignored
    }
  }
  if (e.events.wants('failed')) e.events.emit('failed', { error, reason, attempts, priority });
}

/** Timer of a job: its timeout while RUNNING, the end of its backoff while DELAYED. */
export function jobTimerFired(e: QueueEngine, job: Job): void {
  const x = job.x();
  x.timer = undefined;
  if (job.state === RUNNING) {
    const error = new TimeoutError(`The task timed out after ${x.timeoutMs} ms`, x.timeoutMs);
    e.counters.timedOut++;
    if (e.runDuration !== undefined) e.recordRun(job);
    const task = job.fn as Task<unknown>;
    abandon(e, job, error);
    job.fn = task; // kept for the dead-letter hook; cleared when the record is released
    fail(e, job, error, 'timeout');
    e.pump();
  } else if (job.state === DELAYED) {
    if (e.durations) x.queuedAt = e.clock.now();
    e.delayed.remove(job);
    e.enqueue(job);
    e.pump();
  }
}

/** Releases a running job's slot at once and aborts its signal; the job returns to the pool when its task settles. */
export function abandon(e: QueueEngine, job: Job, reason: unknown): void {
  const x = job.x();
  if (x.timer !== undefined) {
    e.clock.clearTimeout(x.timer);
    x.timer = undefined;
  }
  e.running.remove(job);
  job.state = ABANDONED;
  job.fn = undefined;
  if (x.group !== undefined) e.signals.unlisten(x);
  job.abort(reason);
}
