/**
 * What a task receives when it starts.
 *
 * The context is valid while the task runs (until its returned promise settles): read `signal` inside the task,
 * not after it has finished, because the queue reuses the record.
 */
export interface TaskContext {
  /**
   * Aborted when the task times out (reason: a `TimeoutError`, code `ERR_TIMEOUT`), when the caller's
   * `signal` aborts while the task runs (the caller's reason), or at a `close()` deadline (code
   * `ERR_QUEUE_CLOSED`). Created on first read, so a task that never reads it costs nothing.
   */
  readonly signal: AbortSignal;
  /** 1 for the first run, 2 for the first retry, … */
  readonly attempt: number;
}

/**
 * A unit of work: a function returning a promise (or a plain value) of its result. It is called at most once
 * per attempt, only when a concurrency slot and the rate limit allow.
 */
export type Task<T> = (context: TaskContext) => PromiseLike<T> | T;
