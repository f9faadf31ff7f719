export type { PgReplica, PoolSource, ReplicaSource } from './_pool-source.js';
export type { PgQueryContext, Statement } from './_routing.js';
export { NoPositionError, PrimaryUnreachableError, TransactionNeedsSessionError, TransactionOpenError } from './errors.js';
export type { ReplicatedPoolEvents } from './events.js';
export { formatLsn, parseLsn } from './lsn.js';
export { createReplicatedPool, type QueryCallback, ReplicatedPool } from './replicated-pool.js';
export type { ReplicatedPoolOptions } from './replicated-pool-options.js';
export type { ReplicatedPoolReplicaStats, ReplicatedPoolStats } from './replicated-pool-stats.js';
export { ReplicatedSession } from './replicated-session.js';
