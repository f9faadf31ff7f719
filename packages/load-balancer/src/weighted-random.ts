import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import type { BalancerOptions } from './_options.js';
import type { RandomDraw } from './_random.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Random choice with probability proportional to effective weight among the endpoints in rotation: a
 * binary search over cumulative weights, rebuilt only when membership, health or weights change. O(log n)
 * per pick.
 *
 * **Weight and load:** each pick lands on an endpoint with probability `effectiveWeight / Σ effectiveWeight`
 * (slow start applied), whatever the load — idle or busy, the shares are the weights; load is ignored.
 *
 * @example
 * ```ts
 * import { WeightedRandom } from '@scaling/load-balancer';
 * const lb = new WeightedRandom({ endpoints: [{ id: 'big', weight: 3 }, { id: 'small', weight: 1 }] });
 * lb.pick().release(); // "big" three times as often as "small"
 * ```
 */
export class WeightedRandom<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  readonly #rng: RandomDraw;
  #cum = new Float64Array(8);
  #pos = new Int32Array(8);
  #m = 0;
  #version = -1;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: BalancerOptions<E> = {}) {
    const core = new BalancerCore<E>('WeightedRandom options', options, []);
    super(core);
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    this.#rng = core.rng;
    this.ready();
  }

  /** Picks a weighted-random eligible endpoint; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    // Fast path (decided on change): every endpoint in rotation, none ramping, no options; the rest out of line.
    const t = this.#t;
    if (t.steady && options === undefined && this.#version === t.version && this.#m > 0) {
      return this.#book.lease(this.#draw(this.#cum[this.#m - 1] as number));
    }
    return this.#pickSlow(options);
  }

  #pickSlow(options: PickOptions | undefined): Lease<E> {
    const core = this.#core;
    const t = this.#t;
    const exclude = core.begin(options);
    if (this.#version !== t.version) this.#rebuild();
    const m = this.#m;
    if (m === 0) return core.fail();
    const cum = this.#cum;
    const total = cum[m - 1] as number;
    // Rejection: draw from the whole rotation, retry if excluded (uniform in weight among the rest).
    for (let k = 0; k < 4; k++) {
      const p = this.#draw(total);
      if (exclude === undefined || !exclude.has(t.ids[p] as string)) return this.#book.lease(p);
    }
    // Many excluded: one linear pass over what is left.
    let rest = 0;
    for (let i = 0; i < m; i++) {
      const p = this.#pos[i] as number;
      if (!exclude!.has(t.ids[p] as string)) rest += t.eff[p] as number;
    }
    if (rest === 0) return core.fail();
    let x = this.#rng.unit() * rest;
    let last = -1;
    for (let i = 0; i < m; i++) {
      const p = this.#pos[i] as number;
      if (exclude!.has(t.ids[p] as string)) continue;
      last = p;
      x -= t.eff[p] as number;
      if (x < 0) return this.#book.lease(p);
    }
    return this.#book.lease(last);
  }

  /** A position drawn with probability proportional to its weight, from the rotation's cumulative weights (`total`: their sum). */
  #draw(total: number): number {
    return this.#pos[this.#search(this.#rng.unit() * total)] as number;
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
    const t = this.#t;
    this.#version = t.version;
    if (this.#cum.length < t.n) {
      this.#cum = new Float64Array(t.cap);
      this.#pos = new Int32Array(t.cap);
    }
    let m = 0;
    let sum = 0;
    for (let p = 0; p < t.n; p++) {
      if (!t.eligible(p, undefined)) continue;
      sum += t.eff[p] as number;
      this.#cum[m] = sum;
      this.#pos[m++] = p;
    }
    this.#m = m;
  }
}
