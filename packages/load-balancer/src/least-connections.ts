import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import type { BalancerOptions } from './_options.js';
import type { RandomDraw } from './_random.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Weighted least-connections (nginx `least_conn`, HAProxy `leastconn`). O(n) per pick (two passes, no
 * allocation).
 *
 * **Weight and load:** the eligible endpoint with the lowest `active / effectiveWeight` (slow start
 * applied); ties — every endpoint while idle — are drawn with probability proportional to effective
 * weight (uniformly when weights are equal). So weights hold at any load: idle, picks released one at a
 * time split exactly by weight (1:3 → 25 % / 75 %); busy, active requests settle in proportion to weight.
 * An endpoint with a non-zero weight is never starved: once the others hold more per unit of weight, it
 * is the least loaded.
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
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  readonly #rng: RandomDraw;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: BalancerOptions<E> = {}) {
    const core = new BalancerCore<E>('LeastConnections options', options, []);
    super(core);
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    this.#rng = core.rng;
    this.ready();
  }

  /** Picks the least loaded eligible endpoint; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const t = this.#t;
    let exclude: ReadonlySet<string> | undefined;
    let all = true;
    // Fast path (decided on change): all in rotation, none ramping, equal weights, no options.
    if (!t.steadyEqual || options !== undefined) {
      exclude = this.#core.begin(options);
      all = t.allIn && exclude === undefined;
      if (!t.equalWeights) return this.#weighted(exclude, all);
    }
    // Pass 1: the lowest load and how many endpoints share it. Pass 2: the k-th of them, k uniform.
    const n = t.n;
    const active = t.active;
    let best = 2147483647;
    let ties = 0;
    for (let p = 0; p < n; p++) {
      if (!all && !t.eligible(p, exclude)) continue;
      const a = active[p] as number;
      if (a < best) {
        best = a;
        ties = 1;
      } else if (a === best) ties++;
    }
    if (ties === 0) return this.#core.fail();
    let k = ties === 1 ? 0 : this.#rng.below(ties);
    for (let p = 0; p < n; p++) {
      if (!all && !t.eligible(p, exclude)) continue;
      if ((active[p] as number) === best && k-- === 0) return this.#book.lease(p);
    }
    return this.#core.fail();
  }

  /** Unequal weights: the lowest active / weight; ties drawn with probability proportional to weight. */
  #weighted(exclude: ReadonlySet<string> | undefined, all: boolean): Lease<E> {
    const t = this.#t;
    const n = t.n;
    const active = t.active;
    const eff = t.eff;
    let best = Number.POSITIVE_INFINITY;
    let sum = 0;
    for (let p = 0; p < n; p++) {
      if (!all && !t.eligible(p, exclude)) continue;
      const w = eff[p] as number;
      const score = (active[p] as number) / w;
      if (score < best) {
        best = score;
        sum = w;
      } else if (score === best) sum += w;
    }
    if (sum === 0) return this.#core.fail();
    let x = this.#rng.unit() * sum;
    let last = -1;
    for (let p = 0; p < n; p++) {
      if (!all && !t.eligible(p, exclude)) continue;
      if ((active[p] as number) / (eff[p] as number) !== best) continue;
      last = p;
      x -= eff[p] as number;
      if (x < 0) break;
    }
    return this.#book.lease(last);
  }
}
