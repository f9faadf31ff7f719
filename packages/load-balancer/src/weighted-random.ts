import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Random choice with probability proportional to effective weight (slow start applied) among the endpoints
 * in rotation: a binary search over cumulative weights, rebuilt only when membership, health or weights
 * change. O(log n) per pick.
 *
 * @example
 * ```ts
 * import { WeightedRandom } from '@scaling/load-balancer';
 * const lb = new WeightedRandom({ endpoints: [{ id: 'big', weight: 3 }, { id: 'small', weight: 1 }] });
 * lb.pick().release(); // "big" three times as often as "small"
 * ```
 */
export class WeightedRandom<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  #cum = new Float64Array(8);
  #pos = new Int32Array(8);
  #m = 0;
  #version = -1;

  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: BalancerOptions<E> = {}) {
    super(options);
  }

  /** Picks a weighted-random eligible endpoint; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    if (pool.slowStarting > 0) pool.refreshSlowStart();
    if (this.#version !== pool.version) this.#rebuild();
    const exclude = excludeOf(options);
    const m = this.#m;
    if (m === 0) return pool.fail();
    const cum = this.#cum;
    const total = cum[m - 1] as number;
    // Rejection: draw from the whole rotation, retry if excluded (uniform in weight among the rest).
    for (let t = 0; t < 4; t++) {
      const p = this.#pos[this.#search((pool.bits() / 1073741824) * total)] as number;
      if (exclude === undefined || !exclude.has(pool.ids[p] as string)) return pool.lease(p);
    }
    // Many excluded: one linear pass over what is left.
    let rest = 0;
    for (let i = 0; i < m; i++) {
      const p = this.#pos[i] as number;
      if (!exclude!.has(pool.ids[p] as string)) rest += pool.eff[p] as number;
    }
    if (rest === 0) return pool.fail();
    let x = (pool.bits() / 1073741824) * rest;
    let last = -1;
    for (let i = 0; i < m; i++) {
      const p = this.#pos[i] as number;
      if (exclude!.has(pool.ids[p] as string)) continue;
      last = p;
      x -= pool.eff[p] as number;
      if (x < 0) return pool.lease(p);
    }
    return pool.lease(last);
  }

  /** First index whose cumulative weight exceeds `x`. */
  #search(x: number): number {
    const cum = this.#cum;
    let lo = 0;
    let hi = this.#m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #rebuild(): void {
    const pool = this.pool;
    this.#version = pool.version;
    if (this.#cum.length < pool.n) {
      this.#cum = new Float64Array(pool.cap);
      this.#pos = new Int32Array(pool.cap);
    }
    let m = 0;
    let sum = 0;
    for (let p = 0; p < pool.n; p++) {
      if (!pool.eligible(p, undefined)) continue;
      sum += pool.eff[p] as number;
      this.#cum[m] = sum;
      this.#pos[m++] = p;
    }
    this.#m = m;
  }
}
