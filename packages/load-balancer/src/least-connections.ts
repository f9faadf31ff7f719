import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Weighted least-connections (nginx `least_conn`, HAProxy `leastconn`): the eligible endpoint with the
 * fewest active requests per unit of effective weight, ties broken uniformly at random (two passes:
 * count the ties, then take a random one; no allocation). O(n) per pick.
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
    const exclude = excludeOf(options);
    const all = pool.allIn && exclude === undefined;
    const n = pool.n;
    const active = pool.active;
    const eff = pool.eff;
    // Pass 1: the lowest score and how many endpoints share it. Pass 2: the k-th of them, k uniform.
    let bestScore = Number.POSITIVE_INFINITY;
    let ties = 0;
    for (let p = 0; p < n; p++) {
      if (!all && !pool.eligible(p, exclude)) continue;
      const score = (active[p] as number) / (eff[p] as number);
      if (score < bestScore) {
        bestScore = score;
        ties = 1;
      } else if (score === bestScore) ties++;
    }
    let best = -1;
    if (ties > 0) {
      let k = ties === 1 ? 0 : pool.below(ties);
      for (let p = 0; p < n; p++) {
        if (!all && !pool.eligible(p, exclude)) continue;
        if ((active[p] as number) / (eff[p] as number) === bestScore && k-- === 0) {
          best = p;
          break;
        }
      }
    }
    return best < 0 ? pool.fail() : pool.lease(best);
  }
}
