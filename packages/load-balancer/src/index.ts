export type { BalancerOptions, SlowStartOptions } from './_options.js';
export { Balancer, type BalancerWithStrategyOptions } from './balancer.js';
export { BalancerBase, type EndpointState } from './balancer-base.js';
export { type BalancerHash, ConsistentHashing, type ConsistentHashingOptions, type ConsistentHashLike } from './consistent-hashing.js';
export { DuplicateEndpointError, NoEndpointError, ReentrantCallError, StrategyError } from './errors.js';
export { LeastConnections } from './least-connections.js';
export { PEAK_EWMA_COST_FLOOR_MS, PeakEwma, type PeakEwmaOptions } from './peak-ewma.js';
export { PowerOfTwoChoices, type PowerOfTwoChoicesOptions } from './power-of-two-choices.js';
export { Random } from './random.js';
export { RoundRobin } from './round-robin.js';
export type { Strategy, StrategyContext } from './strategy.js';
export type {
  BalancerStats,
  Endpoint,
  EndpointStats,
  Lease,
  LeaseResult,
  LoadBalancer,
  LoadBalancerEvents,
  OutcomeEvent,
  OutcomeListener,
  PanicEvent,
  PickOptions,
} from './types.js';
export { WeightedRandom } from './weighted-random.js';
export { WeightedRoundRobin, type WeightedRoundRobinOptions } from './weighted-round-robin.js';
