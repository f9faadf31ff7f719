/**
 * `@scaling/rate-limit`: exact per-client rate limits (GCRA, token bucket, sliding window) in one process or
 * shared by a fleet through Redis, Express and Fastify integration with the IETF `RateLimit` headers, and
 * adaptive admission control (`ConcurrencyLimiter`).
 *
 * @module
 */
export {
  type AdaptiveLimit,
  AimdLimit,
  type AimdOptions,
  FixedLimit,
  Gradient2Limit,
  type Gradient2Options,
  WindowedLimit,
  type WindowedLimitOptions,
} from './adaptive-limits.js';
export { ConcurrencyLimiter } from './concurrency-limiter.js';
export type { AcquireOptions, ConcurrencyLimiterOptions } from './concurrency-limiter-options.js';
export type { ConcurrencyLimiterEvents, ConcurrencyLimiterStats } from './concurrency-limiter-stats.js';
export { ConcurrencyLimitError, CostExceedsBurstError, RateLimitStoreError, type ShedReason } from './errors.js';
export {
  clientIp,
  type FastifyLike,
  type FastifyRateLimitOptions,
  type HttpKey,
  type HttpRateLimitOptions,
  type HttpRequestLike,
  policyHeader,
  rateLimitHeader,
  rateLimitMiddleware,
  rateLimitPlugin,
  retryAfterSeconds,
} from './http.js';
export type { RateLimitAlgorithm, RateLimitDecision, RateLimitRule } from './limits.js';
export {
  RateLimiter,
  type RateLimiterEvents,
  type RateLimiterOptions,
  type RateLimiterStats,
  type RedisStoreOptions,
  type WhenDown,
} from './rate-limiter.js';
export { type RedisClientLike, type RedisCommand, toRedisCommand } from './redis-client.js';
