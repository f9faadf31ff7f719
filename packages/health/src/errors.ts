/**
 * The errors `@scaling/health` throws or reports, one class per code (undici's style): catch by class, or
 * by `code` with `isScalingError`.
 */
import { ScalingError } from '@scaling/core';

/** `HealthMonitor.add()` got a check whose name is taken (code `ERR_DUPLICATE_CHECK`). */
export class DuplicateCheckError extends ScalingError {
  declare readonly code: 'ERR_DUPLICATE_CHECK';
  /** @param checkName - the name that is taken. */
  constructor(checkName: string) {
    super('ERR_DUPLICATE_CHECK', `A check named ${JSON.stringify(checkName)} already exists`);
  }
  /** `'DuplicateCheckError'`. */
  override get name(): string {
    return 'DuplicateCheckError';
  }
}

/**
 * A shutdown hook threw or rejected, or a queue's `close()` failed (code `ERR_SHUTDOWN_HOOK`); the
 * original error is the `cause`. Reported in `ShutdownResult.errors`, never thrown.
 */
export class ShutdownHookError extends ScalingError {
  declare readonly code: 'ERR_SHUTDOWN_HOOK';
  /** The phase the hook ran in. */
  readonly phase: string;
  /**
   * @param phase - the shutdown phase the hook belonged to.
   * @param cause - what the hook threw or rejected with.
   */
  constructor(phase: string, cause: unknown) {
    super('ERR_SHUTDOWN_HOOK', `a shutdown hook failed in phase "${phase}"`, { cause });
    this.phase = phase;
  }
  /** `'ShutdownHookError'`. */
  override get name(): string {
    return 'ShutdownHookError';
  }
}
