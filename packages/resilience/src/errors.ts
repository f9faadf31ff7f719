/**
 * The runtime failures of `@scaling/resilience`: one {@link ScalingError} subclass per code, each with a
 * fixed `name` and `code` (undici's `lib/core/errors.js` style), so `isScalingError(e, 'ERR_CIRCUIT_OPEN')`
 * and `instanceof` both work.
 */
import { ScalingError } from '@scaling/core';

/**
 * A circuit breaker refused the call (code `ERR_CIRCUIT_OPEN`): it is open, or half-open with every trial
 * slot taken.
 */
export class BrokenCircuitError extends ScalingError {
  /** Milliseconds until the breaker may admit a call again (an estimate when half-open). */
  readonly retryAfterMs: number;
  /** The breaker's state when it refused: `'open'` or `'half-open'`. */
  readonly state: 'open' | 'half-open';
  constructor(message: string, retryAfterMs: number, state: 'open' | 'half-open') {
    super('ERR_CIRCUIT_OPEN', message);
    this.retryAfterMs = retryAfterMs;
    this.state = state;
  }
  /** `'BrokenCircuitError'`. */
  override get name(): string {
    return 'BrokenCircuitError';
  }
}

/** A circuit breaker isolated by hand refused the call (code `ERR_CIRCUIT_ISOLATED`) until `reset()`. */
export class IsolatedCircuitError extends ScalingError {
  constructor(message = 'the circuit breaker is isolated') {
    super('ERR_CIRCUIT_ISOLATED', message);
  }
  /** `'IsolatedCircuitError'`. */
  override get name(): string {
    return 'IsolatedCircuitError';
  }
}

/** A bulkhead refused the call (code `ERR_BULKHEAD_REJECTED`): its queue was full, or the wait timed out. */
export class BulkheadRejectedError extends ScalingError {
  /** `'full'`: every slot and queue place was taken; `'queue-timeout'`: the call waited `queueTimeoutMs`. */
  readonly reason: 'full' | 'queue-timeout';
  constructor(message: string, reason: 'full' | 'queue-timeout') {
    super('ERR_BULKHEAD_REJECTED', message);
    this.reason = reason;
  }
  /** `'BulkheadRejectedError'`. */
  override get name(): string {
    return 'BulkheadRejectedError';
  }
}

/**
 * A deadline passed before the work under a `timeout` policy finished (code `ERR_DEADLINE_EXCEEDED`), or a
 * retry gave up because the remaining deadline was shorter than the next delay. `cause` is the error of the
 * last attempt that failed before the deadline, when there was one (the Polly #2278 / #489 lesson).
 */
export class DeadlineExceededError extends ScalingError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('ERR_DEADLINE_EXCEEDED', message, options);
    this.timeoutMs = timeoutMs;
  }
  /** `'DeadlineExceededError'`. */
  override get name(): string {
    return 'DeadlineExceededError';
  }
}

/** A retry was due but the retry budget refused it (code `ERR_RETRY_BUDGET_EXHAUSTED`); `cause` is the last error. */
export class RetryBudgetExhaustedError extends ScalingError {
  /** Attempts made before the budget refused. */
  readonly attempts: number;
  constructor(message: string, attempts: number, options?: { cause?: unknown }) {
    super('ERR_RETRY_BUDGET_EXHAUSTED', message, options);
    this.attempts = attempts;
  }
  /** `'RetryBudgetExhaustedError'`. */
  override get name(): string {
    return 'RetryBudgetExhaustedError';
  }
}

/** Adaptive throttling rejected the call locally, without sending it (code `ERR_THROTTLED`). */
export class ThrottledError extends ScalingError {
  /** The rejection probability in effect, in [0, 1). */
  readonly probability: number;
  constructor(message: string, probability: number) {
    super('ERR_THROTTLED', message);
    this.probability = probability;
  }
  /** `'ThrottledError'`. */
  override get name(): string {
    return 'ThrottledError';
  }
}

/** A policy was used after `dispose()` (code `ERR_POLICY_DISPOSED`). */
export class PolicyDisposedError extends ScalingError {
  constructor(message: string) {
    super('ERR_POLICY_DISPOSED', message);
  }
  /** `'PolicyDisposedError'`. */
  override get name(): string {
    return 'PolicyDisposedError';
  }
}
