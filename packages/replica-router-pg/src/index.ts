export { formatLsn, parseLsn } from './lsn.js';
export {
  createReplicatedPool,
  type PgReplica,
  type PoolSource,
  type ReplicaSource,
  ReplicatedPool,
  type ReplicatedPoolOptions,
  type ReplicatedPoolStats,
  ReplicatedSession,
  type Statement,
} from './replicated-pool.js';
