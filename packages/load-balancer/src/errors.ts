import { ScalingError } from '@scaling/core';

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

/**
 * Thrown when a callback (a custom strategy's hook, a custom hash) changes the balancer's endpoints while
 * the balancer is in the middle of updating them (code `ERR_REENTRANT_CALL`). Picks, releases and reads are
 * allowed from callbacks; so are `add`, `remove` and `setHealthy` from event listeners, which run after the
 * balancer's state is consistent.
 */
export class ReentrantCallError extends ScalingError {
  /** @param what - the call that was refused. */
  constructor(what: string) {
    super('ERR_REENTRANT_CALL', `${what} was called from a callback while the balancer was updating its endpoints; call it later`);
  }
  override get name(): string {
    return 'ReentrantCallError';
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
