/*
 * The removals (see the lifecycle diagram in `_engine.ts`): a caller's signal aborting (QUEUED, WAITING or DELAYED →
 * FREE; RUNNING gets its own signal aborted), `clear()` and `close()` (every not-started job → FREE) and the `close()`
 * deadline (RUNNING → ABANDONED). Each removes and settles every job it drops before any user callback runs, so a
 * callback that calls back into the queue sees it consistent.
 */
import type { QueueEngine } from './_engine.js';
import { abandon, deadLetter } from './_failure.js';
import { DELAYED, type Job, QUEUED, RUNNING, WAITING } from './_job.js';
import { dropRateTimerIfIdle } from './_rate-gate.js';
import { ABANDONED_RESOLVE, rethrowLater, settleRejected } from './_settle.js';
import type { SignalGroup } from './_signal-groups.js';
import { QueueClearedError, QueueClosedError } from './errors.js';
import type { Task } from './task.js';

/** A task dropped by clear()/close(), remembered until every dropped task is settled and the hooks may run. */
type Dropped = { error: unknown; attempts: number; priority: number; task: Task<unknown> };

/**
 * The caller's signal aborted: running members get their own signal aborted; every other member is removed and
 * rejected first, and only then does the queue pump once, so no member can start in between. The members are
 * copied first: an abort listener of a running task may call back into the queue.
 */
export function onSignalAbort(e: QueueEngine, group: SignalGroup): void {
  const reason = group.signal.reason;
  let removed = false;
  for (const job of group.members()) {
    if (job.ext?.group !== group) continue; // settled meanwhile (e.g. a re-entrant clear())
    if (job.state === RUNNING) job.abort(reason);
    else if (removeAborted(e, job, reason)) removed = true;
  }
  if (removed) {
    dropRateTimerIfIdle(e);
    e.pump();
  }
}

/** Removes a member that has not started and rejects it with `reason`; false when it was not removable. */
export function removeAborted(e: QueueEngine, job: Job, reason: unknown): boolean {
  if (!unlink(e, job)) return false;
  e.counters.cancelled++;
  const resolve = job.resolve as (value: unknown) => void;
  e.release(job);
  settleRejected(resolve, reason);
  return true;
}

/** Takes a not-started job out of its list (and its timer); false when it is in none of them. */
export function unlink(e: QueueEngine, job: Job): boolean {
  const state = job.state;
  if (state === QUEUED) {
    try {
      e.queued.remove(job);
    } catch (error) {
      rethrowLater(error); // treated as removed; #dequeue skips it if the queue class still yields it
    }
    e.size--;
  } else if (state === WAITING) {
    e.waiting.remove(job);
  } else if (state === DELAYED) {
    e.delayed.remove(job);
    const x = job.x();
    if (x.timer !== undefined) e.clock.clearTimeout(x.timer);
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
export function dropNotStarted(e: QueueEngine, reason: 'cleared' | 'closed'): number {
  const jobs: Job[] = [];
  for (let job = e.dequeue(); job !== undefined; job = e.size > 0 ? e.dequeue() : undefined) jobs.push(job);
  for (let j = e.waiting.shift(); j !== undefined; j = e.waiting.shift()) jobs.push(j);
  for (let j = e.delayed.shift(); j !== undefined; j = e.delayed.shift()) jobs.push(j);
  const hooks = e.onFailed !== undefined || e.events.wants('failed');
  const dropped: Dropped[] = [];
  for (const job of jobs) {
    const x = job.ext;
    if (x?.timer !== undefined) e.clock.clearTimeout(x.timer);
    if (x !== undefined) x.timer = undefined;
    const error = reason === 'cleared' ? new QueueClearedError() : new QueueClosedError('The queue was closed before the task started');
    if (hooks) dropped.push({ error, attempts: job.attempt, priority: job.priority, task: job.fn as Task<unknown> });
    const resolve = job.resolve as (value: unknown) => void;
    e.release(job);
    settleRejected(resolve, error);
  }
  e.counters.cleared += jobs.length;
  dropRateTimerIfIdle(e);
  e.notify();
  for (const d of dropped) deadLetter(e, d.error, reason, d.attempts, d.priority, d.task);
  return jobs.length;
}

/** The close() deadline: every accepted task still unsettled rejects with ERR_QUEUE_CLOSED; close resolves. */
export function closeDeadline(e: QueueEngine, timeoutMs: number, done: () => void): void {
  dropNotStarted(e, 'closed');
  const dropped: Dropped[] = [];
  for (let j = e.running.head; j !== undefined; j = e.running.head) {
    const error = new QueueClosedError(`The close() deadline of ${timeoutMs} ms passed while the task ran`);
    const resolve = j.resolve as (value: unknown) => void;
    dropped.push({ error, attempts: j.attempt, priority: j.priority, task: j.fn as Task<unknown> });
    j.resolve = ABANDONED_RESOLVE;
    abandon(e, j, error); // may run the task's abort listener: it finds the job already out of the running list
    settleRejected(resolve, error);
  }
  e.counters.cleared += dropped.length;
  e.notify();
  done();
  for (const d of dropped) deadLetter(e, d.error, 'closed', d.attempts, d.priority, d.task);
}
