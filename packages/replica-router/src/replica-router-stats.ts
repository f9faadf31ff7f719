import type { Histogram } from '@scaling/core';
import type { ReplicaTable } from './_replica-table.js';
import type { NoReplicaError } from './errors.js';
import type { ReplicaRouter } from './replica-router.js';
import type { ReplicaIneligibility, ReplicaState } from './replica-state.js';

/** One replica in {@link ReplicaRouterStats}. */
export interface ReplicaStats {
  /** `'eligible'`, or why the replica gets no reads (a {@link ReplicaIneligibility}). */
  state: 'eligible' | ReplicaIneligibility;
  /** Gauge: the replica may receive reads with no position requirement now. */
  eligible: boolean;
  /** Gauge: healthy by its last sample and not marked down since. */
  healthy: boolean;
  /** Gauge: lag in ms from the last sample (absent when unknown). */
  lagMs?: number;
  /** Gauge: lag in bytes from the last sample (absent when unknown). */
  lagBytes?: number;
}

/**
 * A snapshot of a {@link ReplicaRouter} (`stats()`): routing counters since creation, gauges now, and the
 * replicas. The counters add up: `reads = replicaReads + primaryReads + noReplica + aborted` and
 * `primaryReads = stickyReads + fallbacks`.
 */
export interface ReplicaRouterStats {
  /** Reads routed: `forRead` calls, and `forReadAsync` calls once settled. */
  reads: number;
  /** Reads sent to a replica. */
  replicaReads: number;
  /** Reads sent to the primary. */
  primaryReads: number;
  /** Reads sent to the primary inside a session's `'time'` stickiness window. */
  stickyReads: number;
  /** Reads sent to the primary because no replica was eligible (after any wait, and at `close()`). */
  fallbacks: number;
  /** Reads refused with {@link NoReplicaError} (`fallback: 'error'`). */
  noReplica: number;
  /** `forReadAsync` calls whose signal aborted while waiting. */
  aborted: number;
  /** `forReadAsync` calls that waited for a replica to catch up with the session (stale-read avoidance). */
  waits: number;
  /** Gauge: calls waiting now. */
  waiting: number;
  /** Gauge: replicas eligible now (no position requirement). */
  eligibleReplicas: number;
  /** Gauge: the `maxLagMs` limit (`Infinity` when off). */
  maxLagMs: number;
  /** How long the waits took, in ms, until a replica caught up, the fallback, or the abort: a copy. */
  waitDuration: Histogram;
  /** Per replica id. */
  replicas: Record<string, ReplicaStats>;
}

/** The {@link ReplicaStats} entry for one replica's state. */
export function replicaStats(st: ReplicaState): ReplicaStats {
  const r: ReplicaStats = { state: st.reason ?? 'eligible', eligible: st.eligible, healthy: st.healthy };
  if (st.lagMs !== undefined) r.lagMs = st.lagMs;
  if (st.lagBytes !== undefined) r.lagBytes = st.lagBytes;
  return r;
}

/** @internal The router's routing counters, as `stats()` reads them. */
export interface RouterCounters {
  replicaReads: number;
  stickyReads: number;
  fallbacks: number;
  noReplica: number;
}

/**
 * @internal A router's {@link ReplicaRouterStats}: the counters `c`, the waits, and each replica's state in
 * `table` (slot `i` is `replicas[i]`) at `now`.
 */
export function routerStats(
  table: ReplicaTable,
  replicas: readonly { id: string }[],
  now: number,
  c: RouterCounters,
  maxLagMs: number,
  wait: { readonly aborted: number; readonly waits: number; readonly waiters: readonly unknown[]; readonly duration: Histogram },
): ReplicaRouterStats {
  const byId: Record<string, ReplicaStats> = {};
  let eligible = 0;
  for (let i = 0; i < replicas.length; i++) {
    const st = table.state(i, (replicas[i] as { id: string }).id, now);
    if (st.eligible) eligible++;
    byId[st.id] = replicaStats(st);
  }
  const primaryReads = c.stickyReads + c.fallbacks;
  return {
    reads: c.replicaReads + primaryReads + c.noReplica + wait.aborted,
    replicaReads: c.replicaReads,
    primaryReads,
    stickyReads: c.stickyReads,
    fallbacks: c.fallbacks,
    noReplica: c.noReplica,
    aborted: wait.aborted,
    waits: wait.waits,
    waiting: wait.waiters.length,
    eligibleReplicas: eligible,
    maxLagMs,
    waitDuration: wait.duration.clone(),
    replicas: byId,
  };
}
