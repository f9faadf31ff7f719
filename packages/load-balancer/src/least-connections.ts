import type { BalancerOptions } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Weighted least-connections (nginx `least_conn`, HAProxy `leastconn`): the eligible endpoint with the
 * fewest active requests per unit of effective weight, ties broken uniformly at random (reservoir
 * sampling, so no allocation). O(n) per pick.
 *
 * @example
 * ```ts
 * import { LeastConnections } from '@scaling/load-balancer';
 * const lb = new LeastConnections({ endpoints: [{ id: 'a' }, { id: 'b' }] });
 * const first = lb.pick(); // a or b
 * const second = lb.pick(); // the other one: it has no active request
 * first.release();
 * second.release();
 * ```
 */
export class LeastConnections<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: BalancerOptions<E> = {}) {
    super(options);
  }

  /** Picks the least loaded eligible endpoint; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    if (pool.slowStarting > 0) pool.refreshSlowStart();
    const exclude = options === undefined || options.exclude === undefined || options.exclude.size === 0 ? undefined : options.exclude;
    const all = pool.allIn && exclude === undefined;
    const n = pool.n;
    const active = pool.active;
    const eff = pool.eff;
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    let ties = 0;
    for (let p = 0; p < n; p++) {
      if (!all && !pool.eligible(p, exclude)) continue;
      const score = (active[p] as number) / (eff[p] as number);
      if (score < bestScore) {
        bestScore = score;
        best = p;
        ties = 1;
      } else if (score === bestScore && pool.random() * ++ties < 1) best = p;
    }
    return best < 0 ? pool.fail() : pool.lease(best);
  }
}
