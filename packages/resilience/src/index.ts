/**
 * `@scaling/resilience`: circuit breaker, retry with budgets, deadlines, bulkhead, hedging, fallback and
 * adaptive throttling — small policies that compose.
 *
 * @module
 */

export {
  type AdaptiveThrottle,
  type AdaptiveThrottleEvents,
  type AdaptiveThrottleOptions,
  type AdaptiveThrottleStats,
  adaptiveThrottle,
} from './adaptive-throttle.js';
export { type Bulkhead, type BulkheadEvents, type BulkheadOptions, type BulkheadStats, bulkhead } from './bulkhead.js';
export {
  type BreakerCallContext,
  type BreakerState,
  type BreakerStateEvent,
  type BreakerWindow,
  type CircuitBreaker,
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
  type CircuitBreakerStats,
  circuitBreaker,
  type HalfOpenOptions,
} from './circuit-breaker.js';
export {
  type CombinedContext,
  type ComposedPolicy,
  type ContextOf,
  type PipelineContext,
  type PipelineOptions,
  pipeline,
  type UnionToIntersection,
  wrap,
} from './compose.js';
export {
  BrokenCircuitError,
  BulkheadRejectedError,
  DeadlineExceededError,
  IsolatedCircuitError,
  PolicyDisposedError,
  RetryBudgetExhaustedError,
  ThrottledError,
} from './errors.js';
export { type Fallback, type FallbackEvents, type FallbackOptions, type FallbackStats, fallback } from './fallback.js';
export { type Hedge, type HedgeDelay, type HedgeEvents, type HedgeOptions, type HedgeStats, hedge } from './hedge.js';
export type {
  DeadlineContext,
  ExecuteOptions,
  HedgeContext,
  ObservablePolicy,
  Policy,
  PolicyContext,
  RetryContext,
} from './policy.js';
export { type Retry, type RetryEvent, type RetryEvents, type RetryOptions, type RetryResult, type RetryStats, retry } from './retry.js';
export { parseRetryAfter } from './retry-after.js';
export {
  type ConcurrencyBudgetOptions,
  concurrencyBudget,
  type RateBudgetOptions,
  type RetryBudget,
  type RetryBudgetStats,
  rateBudget,
} from './retry-budget.js';
export { type Timeout, type TimeoutEvents, type TimeoutOptions, type TimeoutStats, timeout } from './timeout.js';
