import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Uniform random choice among the endpoints in rotation (weights ignored), from the injectable `random`
 * source. O(1) per pick unless many endpoints are skipped.
 *
 * @example
 * ```ts
 * import { seededRandom } from '@scaling/core';
 * import { Random } from '@scaling/load-balancer';
 * const lb = new Random({ endpoints: [{ id: 'a' }, { id: 'b' }], random: seededRandom(1) });
 * lb.pick().release();
 * ```
 */
export class Random<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: BalancerOptions<E> = {}) {
    super(options);
  }

  /** Picks a uniformly random eligible endpoint; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    const exclude = excludeOf(options);
    const n = pool.n;
    if (pool.allIn && exclude === undefined && n > 0) return pool.lease(pool.below(n));
    const p = pool.randomEligible(exclude, -1);
    return p < 0 ? pool.fail() : pool.lease(p);
  }
}
