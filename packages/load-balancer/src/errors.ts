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
