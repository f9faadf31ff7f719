import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Round-robin: endpoints in turn, ignoring weights, skipping unhealthy (outside panic) and excluded ones.
 * O(1) per pick when nothing is skipped.
 *
 * @example
 * ```ts
 * import { RoundRobin } from '@scaling/load-balancer';
 * const lb = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }] });
 * const lease = lb.pick();
 * console.log(lease.endpoint.id); // "a"
 * lease.release();
 * ```
 */
export class RoundRobin<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  #next = 0;

  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: BalancerOptions<E> = {}) {
    super(options);
  }

  /** Picks the next endpoint in turn; see {@link LoadBalancer.pick}. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    const n = pool.n;
    const exclude = excludeOf(options);
    let p = this.#next;
    if (p >= n) p = 0;
    if (pool.allIn && exclude === undefined) {
      if (n === 0) pool.fail();
      this.#next = p + 1;
      return pool.lease(p);
    }
    for (let k = 0; k < n; k++) {
      if (pool.eligible(p, exclude)) {
        this.#next = p + 1;
        return pool.lease(p);
      }
      if (++p === n) p = 0;
    }
    return pool.fail();
  }

  /** The endpoint the next `pick()` without options would return, without advancing. */
  peek(): E | undefined {
    const pool = this.pool;
    const n = pool.n;
    let p = this.#next;
    for (let k = 0; k < n; k++) {
      if (p >= n) p = 0;
      if (pool.eligible(p, undefined)) return pool.eps[p];
      p++;
    }
    return undefined;
  }
}
