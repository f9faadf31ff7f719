/**
 * Every error code `@scaling/*` packages throw — exactly those (a test scans the sources to keep it
 * so). Codes never change meaning once published. Each has a `ScalingError` subclass with a fixed
 * `name` and `code` in the package that throws it, so callers can catch by class or by code.
 */
export type ScalingErrorCode =
  | 'ERR_NO_NODES'
  | 'ERR_DUPLICATE_NODE'
  | 'ERR_UNSUPPORTED_REMOVAL'
  | 'ERR_NO_ENDPOINTS'
  | 'ERR_NO_HEALTHY_ENDPOINTS'
  | 'ERR_DUPLICATE_ENDPOINT'
  | 'ERR_DUPLICATE_CHECK'
  | 'ERR_SHUTDOWN_HOOK'
  | 'ERR_QUEUE_FULL'
  | 'ERR_QUEUE_CLOSED'
  | 'ERR_QUEUE_CLEARED'
  | 'ERR_TIMEOUT'
  | 'ERR_NO_REPLICA'
  | 'ERR_NO_POSITION'
  | 'ERR_TRANSACTION_NEEDS_SESSION'
  | 'ERR_TRANSACTION_OPEN'
  | 'ERR_UNKNOWN_JOB'
  | 'ERR_DUPLICATE_JOB'
  | 'ERR_INVALID_PAYLOAD'
  | 'ERR_DEADLINE_EXCEEDED'
  | 'ERR_JOBS_CLOSED'
  | 'ERR_UNSUPPORTED'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_CIRCUIT_ISOLATED'
  | 'ERR_BULKHEAD_REJECTED'
  | 'ERR_RETRY_BUDGET_EXHAUSTED'
  | 'ERR_THROTTLED'
  | 'ERR_POLICY_DISPOSED'
  | 'ERR_CACHE_SERIALIZE'
  | 'ERR_CACHE_DESERIALIZE'
  | 'ERR_CACHE_KEY_TOO_LONG'
  | 'ERR_CACHE_VALUE_TOO_LARGE'
  | 'ERR_CACHE_L2_UNAVAILABLE'
  | 'ERR_CACHE_CLOSED'
  | 'ERR_RATE_LIMIT_COST'
  | 'ERR_RATE_LIMIT_STORE'
  | 'ERR_CONCURRENCY_LIMIT'
  | 'ERR_PRIMARY_UNREACHABLE'
  | 'ERR_CACHE_REENTRANT_LOAD'
  | 'ERR_REENTRANT_CALL'
  | 'ERR_BAD_STRATEGY'
  | 'ERR_ENDPOINTS_FAILED';

/** The brand: a registry symbol, so two installed copies of `@scaling/core` recognise each other's errors. */
const BRAND: unique symbol = Symbol.for('@scaling/core:ScalingError') as never;

/**
 * Base class of every runtime failure thrown by `@scaling/*`: a stable string `code`, a `name`, an
 * optional `cause`, and a cross-realm brand checked by {@link isScalingError}. (Pattern after undici's
 * `lib/core/errors.js`.)
 *
 * @example
 * ```ts
 * import { ScalingError, isScalingError } from '@scaling/core';
 * try { throw new ScalingError('ERR_NO_NODES', 'the ring is empty'); }
 * catch (e) { if (isScalingError(e) && e.code === 'ERR_NO_NODES') console.log('no nodes'); }
 * ```
 */
export class ScalingError extends Error {
  /** Stable, machine-readable code such as `ERR_NO_NODES`. */
  readonly code: ScalingErrorCode;

  constructor(code: ScalingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** `'ScalingError'`; each subclass fixes its own. */
  override get name(): string {
    return 'ScalingError';
  }
}

/**
 * True when `error` is a {@link ScalingError} from any installed copy of `@scaling/core`; with `code`,
 * also requires that code.
 */
export function isScalingError(error: unknown, code?: ScalingErrorCode): error is ScalingError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (code === undefined || (error as ScalingError).code === code)
  );
}

/** Thrown when an operation ran past its deadline (code `ERR_TIMEOUT`). */
export class TimeoutError extends ScalingError {
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('ERR_TIMEOUT', message, options);
    this.timeoutMs = timeoutMs;
  }
  /** `'TimeoutError'`. */
  override get name(): string {
    return 'TimeoutError';
  }
}
