export {
  classifySql,
  SQL_WRITE_FUNCTIONS,
  SQL_WRITE_KEYWORDS,
  type SqlClass,
  SqlClassifier,
  type SqlClassifierOptions,
} from './classify-sql.js';
export type {
  PickOptions,
  ReplicaBalancer,
  ReplicaBalancerFactory,
  ReplicaEndpoint,
  ReplicaLease,
  RouteResult,
} from './replica-balancer.js';
export {
  ReplicaHealth,
  type ReplicaHealthOptions,
  type ReplicaProbe,
  type ReplicaProbeResult,
  type ReplicaSink,
} from './replica-health.js';
export {
  NoReplicaError,
  type ReadOptions,
  type ReadYourWritesMode,
  ReplicaRouter,
  type ReplicaRouterOptions,
  type ReplicaSample,
  type ReplicaState,
} from './replica-router.js';
export { ReplicaSession } from './replica-session.js';
export { type TransactionEffect, transactionEffect } from './transaction-effect.js';
