import { assertNonNegativeInteger, describeValue } from '@scaling/core/internal';
import { FloatColumn } from './_columns.js';
import { BalancerCore } from './_core.js';
import { EdfSchedule } from './_edf.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import type { BalancerOptions } from './_options.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/** Options of {@link WeightedRoundRobin}. */
export interface WeightedRoundRobinOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /**
   * `'smooth'`: nginx's smooth weighted round-robin, O(n) per pick. `'edf'`: earliest-deadline-first over
   * a binary heap, O(log n) per pick. `'auto'` (default): smooth up to `edfThreshold` endpoints, EDF above.
   */
  scheduler?: 'smooth' | 'edf' | 'auto';
  /** Pool size above which `'auto'` uses EDF. Default 32. */
  edfThreshold?: number;
}

/**
 * Weighted round-robin with smooth interleaving. Both schedulers give each endpoint exactly its (integer)
 * weight's share of every cycle of Σweights picks and spread the picks evenly inside the cycle (weights 5,
 * 1, 1 → `a a b a c a a` with the smooth scheduler; a light endpoint never waits more than its share).
 *
 * - smooth (nginx `ngx_http_upstream_get_peer`, 2012): every pick adds each endpoint's weight to its
 *   `current`, picks the largest `current` (first on ties) and subtracts the total from it.
 * - EDF (as Envoy's `EdfScheduler`): endpoint i's k-th turn has the virtual deadline (k − ½) / wᵢ; the
 *   earliest deadline (lowest position on ties) is picked. The half-step offset is what keeps the light
 *   endpoints from all landing at the end of a cycle.
 *
 * Both keep their state across membership, health and weight changes: an endpoint that stays in rotation
 * keeps its place in the schedule (flapping another endpoint's health never resets who is next).
 *
 * **Weight and load:** shares are the effective weights (slow start applied), at any load; load is ignored.
 * Unhealthy endpoints leave the rotation outside panic.
 *
 * @example
 * ```ts
 * import { WeightedRoundRobin } from '@scaling/load-balancer';
 * const lb = new WeightedRoundRobin({ endpoints: [{ id: 'a', weight: 5 }, { id: 'b' }, { id: 'c' }] });
 * const seq = Array.from({ length: 7 }, () => { const l = lb.pick(); l.release(); return l.endpoint.id; });
 * console.log(seq.join(' ')); // a a b a c a a
 * ```
 */
export class WeightedRoundRobin<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  /** EDF is used while more endpoints than this (−1: always; +∞: never), so a pick compares two numbers. */
  readonly #edfAbove: number;
  /** Smooth WRR's current weight per endpoint. */
  readonly #current = new FloatColumn(0);
  readonly #edf: EdfSchedule<E>;
  readonly #stepOf = (p: number): number => 1 / (this.#t.eff[p] as number);

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: WeightedRoundRobinOptions<E> = {}) {
    const core = new BalancerCore<E>('WeightedRoundRobin options', options, ['scheduler', 'edfThreshold']);
    super(core);
    const { scheduler = 'auto', edfThreshold = 32 } = options;
    if (scheduler !== 'smooth' && scheduler !== 'edf' && scheduler !== 'auto')
      throw new TypeError(`Expected \`scheduler\` to be "smooth", "edf" or "auto", got ${describeValue(scheduler)}`);
    assertNonNegativeInteger('edfThreshold', edfThreshold);
    this.#edfAbove = scheduler === 'edf' ? -1 : scheduler === 'smooth' ? Number.POSITIVE_INFINITY : edfThreshold;
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    core.table.attach(this.#current);
    this.#edf = new EdfSchedule(core.table);
    this.ready();
  }

  /** Which scheduler the next pick uses (`'auto'` resolved by pool size). */
  get activeScheduler(): 'smooth' | 'edf' {
    return this.#t.n > this.#edfAbove ? 'edf' : 'smooth';
  }

  /** Picks the next endpoint of the weighted schedule; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const exclude = this.#t.steady && options === undefined ? undefined : this.#core.begin(options);
    const p = this.#t.n > this.#edfAbove ? this.#nextEdf(exclude, true) : this.#smooth(exclude, true);
    return p < 0 ? this.#core.fail() : this.#book.lease(p);
  }

  /** The endpoint the next `pick()` without options would return, without advancing the schedule. */
  peek(): E | undefined {
    this.#core.begin(undefined);
    const p = this.activeScheduler === 'edf' ? this.#nextEdf(undefined, false) : this.#smooth(undefined, false);
    return p < 0 ? undefined : this.#t.eps[p];
  }

  #smooth(exclude: ReadonlySet<string> | undefined, advance: boolean): number {
    const t = this.#t;
    const n = t.n;
    const cur = this.#current.values;
    const eff = t.eff;
    let best = -1;
    let bestCur = Number.NEGATIVE_INFINITY;
    let total = 0;
    const all = t.allIn && exclude === undefined;
    for (let p = 0; p < n; p++) {
      if (!all && !t.eligible(p, exclude)) continue;
      const w = eff[p] as number;
      const c = (cur[p] as number) + w;
      if (advance) cur[p] = c;
      total += w;
      if (c > bestCur) {
        bestCur = c;
        best = p;
      }
    }
    if (best >= 0 && advance) cur[best] = (cur[best] as number) - total;
    return best;
  }

  #nextEdf(exclude: ReadonlySet<string> | undefined, advance: boolean): number {
    const edf = this.#edf;
    if (edf.stale()) edf.rebuild(this.#stepOf);
    const p = edf.peek(exclude);
    if (p >= 0 && advance) edf.advance(p, 1 / (this.#t.eff[p] as number));
    return p;
  }
}
