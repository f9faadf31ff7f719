import type { TimerHandle } from '@scaling/core';
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
 * One pooled task record (fastq's design: records are reused, so the steady state allocates only the caller's
 * promise). It is also the {@link TaskContext} handed to the task: `signal` is created lazily, so a task that
 * never reads it costs no `AbortController`. Every field is initialised in the constructor so all records share
 * one hidden class.
 * @internal
 */
export class Job implements TaskContext {
  state = FREE;
  fn: Task<unknown> | undefined = undefined;
  resolve: ((value: unknown) => void) | undefined = undefined;
  reject: ((reason: unknown) => void) | undefined = undefined;
  priority = 0;
  attempt = 0;
  timeoutMs = Number.POSITIVE_INFINITY;
  startedAt = 0;
  prev: Job | undefined = undefined;
  next: Job | undefined = undefined;
  list: JobList | undefined = undefined;
  userSignal: AbortSignal | undefined = undefined;
  timer: TimerHandle | undefined = undefined;
  controller: AbortController | undefined = undefined;
  aborted = false;
  abortReason: unknown = undefined;
  /** Bound once per record (not per task): direct-path settle handlers, the timer callback and the abort listener. */
  onOk: ((value: unknown) => unknown) | undefined = undefined;
  onErr: ((error: unknown) => never) | undefined = undefined;
  onTimer: (() => void) | undefined = undefined;
  handleEvent: (() => void) | undefined = undefined;

  get signal(): AbortSignal {
    let c = this.controller;
    if (c === undefined) {
      c = this.controller = new AbortController();
      if (this.aborted) c.abort(this.abortReason);
    }
    return c.signal;
  }

  /** Aborts the task's signal (now if it was read, else as soon as it is). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

/** Intrusive doubly linked list of jobs: O(1) push, shift and removal of any member. @internal */
export class JobList {
  head: Job | undefined = undefined;
  tail: Job | undefined = undefined;
  length = 0;

  push(job: Job): void {
    job.list = this;
    job.next = undefined;
    const tail = this.tail;
    job.prev = tail;
    if (tail === undefined) this.head = job;
    else tail.next = job;
    this.tail = job;
    this.length++;
  }

  shift(): Job | undefined {
    const job = this.head;
    if (job === undefined) return undefined;
    const next = job.next;
    this.head = next;
    if (next === undefined) this.tail = undefined;
    else next.prev = undefined;
    job.next = undefined;
    job.list = undefined;
    this.length--;
    return job;
  }

  remove(job: Job): void {
    const { prev, next } = job;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    job.prev = undefined;
    job.next = undefined;
    job.list = undefined;
    this.length--;
  }
}

/** One priority level: a FIFO of jobs with the same priority. @internal */
export class Level extends JobList {
  readonly priority: number;
  constructor(priority: number) {
    super();
    this.priority = priority;
  }
}
