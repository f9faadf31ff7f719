/**
 * What a router knows about each replica: the samples it receives and the snapshot it reports.
 */

/**
 * A health/lag sample for one replica, as reported by a health check (see {@link ReplicaRouter.report}).
 * Missing lag fields mean "unknown", which makes the replica ineligible while a limit is set.
 */
export interface ReplicaSample {
  /** Whether the replica answered its check. */
  healthy: boolean;
  /** Replication lag in milliseconds (time since the last replayed transaction was committed on the primary, 0 when caught up). */
  lagMs?: number;
  /** Replication lag in bytes of WAL (primary position − replica replay position). */
  lagBytes?: number;
  /** Replication position the replica has replayed up to, as a non-negative integer (for PostgreSQL: the LSN as a byte offset). */
  position?: number;
  /** Why the replica is unhealthy, in words (e.g. the failed probe's error message); shown by `states()`. */
  detail?: string;
}

/**
 * Why a replica receives no reads with no position requirement:
 * - `'no-sample'` — no sample yet;
 * - `'down'` — its last sample said unhealthy, or it was marked down after a connection error;
 * - `'stale-sample'` — its last sample is older than `maxSampleAgeMs`;
 * - `'lag-unknown'` — a lag limit is set and the sample has no such lag;
 * - `'lag-ms'` — over `maxLagMs`;
 * - `'lag-bytes'` — over `maxLagBytes`.
 */
export type ReplicaIneligibility = 'no-sample' | 'down' | 'stale-sample' | 'lag-unknown' | 'lag-ms' | 'lag-bytes';

/** A snapshot of what the router currently believes about one replica. */
export interface ReplicaState {
  /** The replica's id. */
  id: string;
  /** Healthy by its last sample and not marked down since. */
  healthy: boolean;
  /** Lag in ms from the last sample (`undefined` when unknown). */
  lagMs: number | undefined;
  /** Lag in bytes from the last sample (`undefined` when unknown). */
  lagBytes: number | undefined;
  /** Replayed position from the last sample (`undefined` when unknown). */
  position: number | undefined;
  /** Clock reading of the last sample (`undefined` before the first). */
  sampledAt: number | undefined;
  /** Whether the replica may receive a read with no position requirement right now. */
  eligible: boolean;
  /** Why it may not (`undefined` when eligible). */
  reason: ReplicaIneligibility | undefined;
  /** More about `reason` in words, when known (the failed check's error, the limit exceeded). */
  detail: string | undefined;
}
