import type { Histogram } from '@scaling/core';
import type { ReplicatedPool } from './replicated-pool.js';

/** One replica in {@link ReplicatedPoolStats}. */
export interface ReplicatedPoolReplicaStats {
  /** Reads it served. */
  reads: number;
  /** Reads that failed on it (retried elsewhere, or rejected). */
  failures: number;
  /** `'eligible'`, or why it gets no reads (as the router's `states()` reason). */
  state: string;
  /** Gauge: may receive reads now. */
  eligible: boolean;
  /** Gauge: healthy by its last check and not marked down since. */
  healthy: boolean;
  /** Gauge: replay lag in ms from the last check (absent when unknown). */
  lagMs?: number;
  /** Gauge: replay lag in bytes from the last check (absent when unknown). */
  lagBytes?: number;
}

/**
 * A snapshot of a {@link ReplicatedPool} (`stats()`): counters since creation, gauges now, per replica.
 * Routing decisions (replica or primary, fallbacks, waits) are the router's: `pool.router.stats()`.
 */
export interface ReplicatedPoolStats {
  /** Statements routed by `query()` and `session.query()` outside a transaction (each timed in `queryDuration`). */
  queries: number;
  /** Those that rejected. */
  errors: number;
  /** Statements sent to the primary (writes, transactions, fallback reads, `connect()`). */
  primary: number;
  /** Reads served by replicas (the sum of `replicas.<id>.reads`). */
  replicaReads: number;
  /** Reads retried elsewhere after an error on a replica (see the `read-retried` event). */
  retries: number;
  /** Gauge: connections open in every pool (as `pg.Pool.totalCount`). */
  connections: number;
  /** Gauge: idle connections in every pool. */
  idleConnections: number;
  /** Gauge: queries and `connect()` calls waiting for a connection. */
  waitingClients: number;
  /** Duration of each routed statement (retries included), in ms: a copy. */
  queryDuration: Histogram;
  /** Per replica id. */
  replicas: Record<string, ReplicatedPoolReplicaStats>;
}
