/**
 * The errors `@scaling/rate-limit` throws, one subclass per code (undici style): a fixed `name` and `code`,
 * branded so `isScalingError` recognises them across duplicate installs.
 */
import { ScalingError } from '@scaling/core';

/**
 * A request's cost is larger than a limit's burst, so no amount of waiting could ever allow it (code
 * `ERR_RATE_LIMIT_COST`). Rejected instead of being denied forever or allowed by accident.
 */
export class CostExceedsBurstError extends ScalingError {
  /** The cost asked for. */
  readonly cost: number;
  /** The largest cost the limit can ever allow (its burst, or its limit for sliding windows). */
  readonly burst: number;
  constructor(cost: number, burst: number, limitName: string) {
    super(
      'ERR_RATE_LIMIT_COST',
      `Expected \`cost\` to be at most ${burst} (the burst of limit "${limitName}"), got ${cost}: such a request could never be allowed`,
    );
    this.cost = cost;
    this.burst = burst;
  }
  /** `'CostExceedsBurstError'`. */
  override get name(): string {
    return 'CostExceedsBurstError';
  }
}

/**
 * The shared store (Redis) failed or did not answer within `commandTimeoutMs` (code `ERR_RATE_LIMIT_STORE`).
 * It is the `error` of the `store-down` event; decisions then follow the `whenDown` policy and never throw it.
 */
export class RateLimitStoreError extends ScalingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_RATE_LIMIT_STORE', message, options);
  }
  /** `'RateLimitStoreError'`. */
  override get name(): string {
    return 'RateLimitStoreError';
  }
}

/** Why a {@link ConcurrencyLimiter} turned a request away. */
export type ShedReason = 'limit' | 'queue-full' | 'queue-timeout' | 'closed';

/**
 * A {@link ConcurrencyLimiter} shed the request (code `ERR_CONCURRENCY_LIMIT`): the concurrency limit was
 * reached and the queue was full, the request waited past the queue deadline, or the limiter was closed.
 * Servers answer it with `503 Service Unavailable` ({@link ConcurrencyLimitError.statusCode}).
 */
export class ConcurrencyLimitError extends ScalingError {
  /** Why the request was shed. */
  readonly reason: ShedReason;
  /** The HTTP status to answer with: always 503. */
  readonly statusCode = 503;
  /** The partition the request asked for. */
  readonly partition: string;
  constructor(reason: ShedReason, partition: string, message: string) {
    super('ERR_CONCURRENCY_LIMIT', message);
    this.reason = reason;
    this.partition = partition;
  }
  /** `'ConcurrencyLimitError'`. */
  override get name(): string {
    return 'ConcurrencyLimitError';
  }
}
