import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import type { BalancerOptions } from './_options.js';
import { type RandomDraw, randomEligible } from './_random.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Uniform random choice among the endpoints in rotation, from the injectable `random` source. O(1) per
 * pick unless many endpoints are skipped.
 *
 * **Weight and load:** configured weights and load are ignored; only slow start scales the choice: a draw
 * landing on an endpoint at ramp factor f = effectiveWeight / weight is kept with probability f (rejection
 * sampling), so a new endpoint's share ramps up in this strategy too.
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
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  readonly #rng: RandomDraw;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: BalancerOptions<E> = {}) {
    const core = new BalancerCore<E>('Random options', options, []);
    super(core);
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    this.#rng = core.rng;
    this.ready();
  }

  /** Picks a uniformly random eligible endpoint; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    // Fast path (decided on change): every endpoint in rotation, none ramping, no options; the rest out of line.
    const t = this.#t;
    const n = t.n;
    return t.steady && options === undefined && n > 0 ? this.#book.lease(this.#rng.below(n)) : this.#pickSlow(options);
  }

  #pickSlow(options: PickOptions | undefined): Lease<E> {
    const core = this.#core;
    const t = this.#t;
    const exclude = core.begin(options);
    const n = t.n;
    const ramping = core.slow !== undefined && core.slow.ramping > 0;
    if (t.allIn && exclude === undefined && n > 0 && !ramping) return this.#book.lease(this.#rng.below(n));
    if (!ramping) {
      const p = randomEligible(t, this.#rng, exclude, -1);
      return p < 0 ? core.fail() : this.#book.lease(p);
    }
    for (let k = 0; k < 16; k++) {
      const p = randomEligible(t, this.#rng, exclude, -1);
      if (p < 0) return core.fail();
      const f = (t.eff[p] as number) / (t.weight[p] as number);
      if (f >= 1 || this.#rng.unit() < f) return this.#book.lease(p);
    }
    // Rejected too often (everything ramping from a tiny factor): one pass, weighted by ramp factor.
    let sum = 0;
    for (let p = 0; p < n; p++) if (t.eligible(p, exclude)) sum += (t.eff[p] as number) / (t.weight[p] as number);
    let x = this.#rng.unit() * sum;
    let last = -1;
    for (let p = 0; p < n; p++) {
      if (!t.eligible(p, exclude)) continue;
      last = p;
      x -= (t.eff[p] as number) / (t.weight[p] as number);
      if (x < 0) break;
    }
    return last < 0 ? core.fail() : this.#book.lease(last);
  }
}
