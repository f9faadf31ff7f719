import { ScalingError } from '@scaling/core';

/**
 * A text that leaves a transaction open (`BEGIN`, `"BEGIN; INSERT …"`) sent through
 * `ReplicatedPool.query`, where each statement may run on a different connection (code
 * `ERR_TRANSACTION_NEEDS_SESSION`). Use `pool.transaction(fn)`, `pool.connect()` or a `pool.session()`.
 */
export class TransactionNeedsSessionError extends ScalingError {
  constructor(message: string) {
    super('ERR_TRANSACTION_NEEDS_SESSION', message);
  }
  /** `'TransactionNeedsSessionError'`. */
  override get name(): string {
    return 'TransactionNeedsSessionError';
  }
}

/** `session.transaction(fn)` while the session holds a transaction opened by `BEGIN` (code `ERR_TRANSACTION_OPEN`). */
export class TransactionOpenError extends ScalingError {
  constructor(message: string) {
    super('ERR_TRANSACTION_OPEN', message);
  }
  /** `'TransactionOpenError'`. */
  override get name(): string {
    return 'TransactionOpenError';
  }
}

/** The primary reported no WAL position, so no read-your-writes token can be taken (code `ERR_NO_POSITION`). */
export class NoPositionError extends ScalingError {
  constructor(message: string) {
    super('ERR_NO_POSITION', message);
  }
  /** `'NoPositionError'`. */
  override get name(): string {
    return 'NoPositionError';
  }
}

/**
 * `ready()` could not reach the primary within `checkTimeoutMs`, or it failed (code
 * `ERR_PRIMARY_UNREACHABLE`; the pg error, if any, is the `cause`).
 */
export class PrimaryUnreachableError extends ScalingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_PRIMARY_UNREACHABLE', message, options);
  }
  /** `'PrimaryUnreachableError'`. */
  override get name(): string {
    return 'PrimaryUnreachableError';
  }
}
