import type { TimerHandle } from '@scaling/core';
import type { SignalGroup } from './_signal-groups.js';
import type { QueuedTask } from './priority-queue.js';
import type { Task, TaskContext } from './task.js';

/** Job states. A job is in at most one list at a time, which its state names. @internal */
export const FREE = 0;
/** In a priority level, waiting for a slot. @internal */
export const QUEUED = 1;
/** Waiting for room (`whenFull: 'wait'`), not yet counted in `size`. @internal */
export const WAITING = 2;
/** Holding a concurrency slot. @internal */
export const RUNNING = 3;
/** Failed, waiting out its retry backoff. @internal */
export const DELAYED = 4;
/** Settled by the queue (timeout, close deadline) while its task still runs; returns to the pool when the task settles. @internal */
export const ABANDONED = 5;

/**
 * The rarely needed part of a record — caller signal, timeout, timer, the task's own `AbortController`, start
 * time, bound callbacks — kept out of {@link Job} so a queued task costs only nine fields. Created on first need
 * and kept with the pooled record.
 * @internal
 */
export class JobExt {
  timeoutMs = Number.POSITIVE_INFINITY;
  startedAt = 0;
  /** `clock.now()` when the job was admitted or (a retry) rejoined the queue; kept only with `trackDurations`. */
  queuedAt = 0;
  timer: TimerHandle | undefined = undefined;
  userSignal: AbortSignal | undefined = undefined;
  controller: AbortController | undefined = undefined;
  aborted = false;
  abortReason: unknown = undefined;
  /** Bound once per record (not per task): the timer callback. */
  onTimer: (() => void) | undefined = undefined;
  /** Membership in the {@link SignalGroup} of `userSignal`. */
  group: SignalGroup | undefined = undefined;
  sigPrev: Job | undefined = undefined;
  sigNext: Job | undefined = undefined;
}

/**
 * One pooled task record (fastq's design: records are reused, so the steady state allocates only the caller's
 * promise). It is also the {@link TaskContext} handed to the task: `signal` is created lazily, so a task that
 * never reads it costs no `AbortController`. Every field is initialised in the constructor so all records share
 * one hidden class.
 * @internal
 */
export class Job implements TaskContext, QueuedTask {
  state = FREE;
  attempt = 0;
  priority = 0;
  fn: Task<unknown> | undefined = undefined;
  resolve: ((value: unknown) => void) | undefined = undefined;
  prev: Job | undefined = undefined;
  next: Job | undefined = undefined;
  ext: JobExt | undefined = undefined;
  /** Settle handlers for the task's promise, bound once per pooled record (not per task). */
  onOk: ((value: unknown) => unknown) | undefined = undefined;
  onErr: ((error: unknown) => unknown) | undefined = undefined;

  /** The extension, created on first need. */
  x(): JobExt {
    let x = this.ext;
    if (x === undefined) x = this.ext = new JobExt();
    return x;
  }

  get signal(): AbortSignal {
    const x = this.x();
    let c = x.controller;
    if (c === undefined) {
      c = x.controller = new AbortController();
      if (x.aborted) c.abort(x.abortReason);
    }
    return c.signal;
  }

  /** Aborts the task's signal (now if it was read, else as soon as it is). */
  abort(reason: unknown): void {
    const x = this.x();
    if (x.aborted) return;
    x.aborted = true;
    x.abortReason = reason;
    x.controller?.abort(reason);
  }
}
