import { ScalingError } from '@scaling/core';

// One class for the code ERR_REENTRANT_CALL, shared with @scaling/consistent-hash (a candidate for core).
export { ReentrantCallError } from '@scaling/consistent-hash';

/**
 * Thrown by `pick()` when nothing can be picked: code `ERR_NO_ENDPOINTS` (no endpoint at all, or every
 * candidate excluded) or `ERR_NO_HEALTHY_ENDPOINTS` (none healthy and panic routing disabled with
 * `panicThreshold: 0`).
 *
 * @example
 * ```ts
 * import { isScalingError } from '@scaling/core';
 * import { RoundRobin } from '@scaling/load-balancer';
 * try { new RoundRobin().pick(); } catch (e) { console.log(isScalingError(e, 'ERR_NO_ENDPOINTS')); } // true
 * ```
 */
export class NoEndpointError extends ScalingError {
  constructor(code: 'ERR_NO_ENDPOINTS' | 'ERR_NO_HEALTHY_ENDPOINTS', message: string) {
    super(code, message);
  }
  override get name(): string {
    return 'NoEndpointError';
  }
}

/** Thrown by `add()` when the endpoint's id is already present (code `ERR_DUPLICATE_ENDPOINT`). */
export class DuplicateEndpointError extends ScalingError {
  /** @param id - the duplicate id. */
  constructor(id: string) {
    super('ERR_DUPLICATE_ENDPOINT', `Endpoint ${JSON.stringify(id)} is already present`);
  }
  override get name(): string {
    return 'DuplicateEndpointError';
  }
}

/** Thrown by `pick()` when a custom {@link Strategy} returns a position that is not an eligible endpoint (code `ERR_BAD_STRATEGY`). */
export class StrategyError extends ScalingError {
  /** @param message - what the strategy did wrong. */
  constructor(message: string) {
    super('ERR_BAD_STRATEGY', message);
  }
  override get name(): string {
    return 'StrategyError';
  }
}
