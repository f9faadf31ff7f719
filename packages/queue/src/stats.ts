import type { Histogram } from '@scaling/core';

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

/**
 * {@link Queue.stats}: the counters, the gauges and the latency histograms, in one snapshot (the `stats()` convention
 * of `docs/monitoring/conventions.md`). Counters add up: every accepted task is in exactly one place, so
 * `added === completed + failed + cancelled + cleared + size + pending + waitingForRoom + retrying`, except tasks
 * whose attempt timed out or was abandoned at a close deadline: they count as `failed`/`cleared` at once.
 */
export interface QueueStats extends QueueCounters {
  /** Counter: tasks accepted by `add`/`tryAdd` (including pre-aborted ones, counted in `cancelled`). */
  added: number;
  /** Counter: attempts started (retries included): `started ≥ completed`. */
  started: number;
  /** Gauge: tasks waiting in the queue ({@link Queue.size}). */
  size: number;
  /** Gauge: tasks holding a concurrency slot ({@link Queue.pending}). */
  pending: number;
  /** Gauge: tasks waiting for room (`whenFull: 'wait'`). */
  waitingForRoom: number;
  /** Gauge: failed tasks waiting out their retry backoff. */
  retrying: number;
  /**
   * Histogram (ms): from `add` (or a retry rejoining the queue) to the attempt's start, per attempt. Recorded only
   * with the `trackDurations` option (empty otherwise). A copy.
   */
  waitDuration: Histogram;
  /** Histogram (ms): from an attempt's start to its settling or timeout. Recorded only with `trackDurations`. A copy. */
  runDuration: Histogram;
}

/**
 * The context published on the `scaling:queue:run` tracing channel around each task attempt (`start`, `end`,
 * `asyncStart`, `asyncEnd`, `error`); the channel adds `result` or `error` when the attempt settles.
 */
export interface QueueRunContext {
  /** The task's priority. */
  readonly priority: number;
  /** The attempt, from 1. */
  readonly attempt: number;
  /** The attempt's error (set by the channel on `error`). */
  error?: unknown;
  /** The task's result (set by the channel on `asyncStart`/`asyncEnd`). */
  result?: unknown;
}

/** A task holding a concurrency slot, as {@link Queue.running} reports it. */
export interface RunningTask {
  /** The task's priority. */
  priority: number;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** `clock.now()` when this attempt started; `undefined` unless `trackStartTimes`, `trackDurations` or a rate limit is on. */
  startedAt: number | undefined;
  /** ms since it started; `undefined` unless `trackStartTimes`, `trackDurations` or a rate limit is on. */
  ageMs: number | undefined;
}
