export { classifySql, SQL_WRITE_KEYWORDS, type SqlClass } from './classify-sql.js';
export { DuplicateReplicaError, NoReplicaError } from './errors.js';
export type { ReplicaRouterEvents } from './events.js';
export type { ReplicaBalancer, ReplicaBalancerFactory, ReplicaEndpoint, ReplicaLease } from './replica-balancer.js';
export {
  ReplicaHealth,
  type ReplicaHealthOptions,
  type ReplicaProbe,
  type ReplicaProbeResult,
  type ReplicaSink,
} from './replica-health.js';
export { ReplicaRouter } from './replica-router.js';
export type { ReadOptions, ReadYourWritesMode, ReplicaRouterOptions } from './replica-router-options.js';
export type { ReplicaRouterStats, ReplicaStats } from './replica-router-stats.js';
export { ReplicaSession } from './replica-session.js';
export type { ReplicaIneligibility, ReplicaSample, ReplicaState } from './replica-state.js';
export { SqlClassifier, type SqlClassifierOptions } from './sql-classifier.js';
export { SQL_WRITE_FUNCTION_PREFIXES, SQL_WRITE_FUNCTIONS, type WriteFunctionPattern } from './sql-write-functions.js';
export { isTransactionControlOnly, type TransactionEffect, transactionEffect } from './transaction-effect.js';
