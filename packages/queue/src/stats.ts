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
  /** `add` calls refused with `ERR_QUEUE_FULL` (and `tryAdd` calls that returned `undefined` for lack of room). */
  rejectedFull: number;
  /** Tasks removed by their abort signal before they ran (including pre-aborted ones). */
  cancelled: number;
  /** Tasks rejected by {@link Queue.clear} or by {@link Queue.close} (before they started, or at its deadline). */
  cleared: number;
}

/** {@link Queue.stats}: the counters plus the gauges, in one snapshot. */
export interface QueueStats extends QueueCounters {
  /** Tasks waiting in the queue ({@link Queue.size}). */
  size: number;
  /** Tasks holding a concurrency slot ({@link Queue.pending}). */
  pending: number;
  /** Tasks waiting for room (`whenFull: 'wait'`). */
  waitingForRoom: number;
  /** Failed tasks waiting out their retry backoff. */
  retrying: number;
}

/** A task holding a concurrency slot, as {@link Queue.running} reports it. */
export interface RunningTask {
  /** The task's priority. */
  priority: number;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** `clock.now()` when this attempt started; `undefined` unless `trackStartTimes` or a rate limit is on. */
  startedAt: number | undefined;
  /** ms since it started; `undefined` unless `trackStartTimes` or a rate limit is on. */
  ageMs: number | undefined;
}
