import { FloatColumn } from './_columns.js';
import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import { type BalancerOptions, excludeOf } from './_options.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * Round-robin: endpoints in turn, skipping unhealthy (outside panic) and excluded ones. O(1) per pick when
 * nothing is skipped.
 *
 * **Weight and load:** configured weights and load are ignored (every endpoint gets an equal turn); only
 * slow start scales a turn: an endpoint at ramp factor f = effectiveWeight / weight takes a fraction f of
 * its turns (a credit per endpoint, deterministic), so a new endpoint's share ramps up in this strategy too.
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
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  /** Slow-start credit per endpoint (turns owed while ramping). */
  readonly #credit = new FloatColumn(0);
  #next = 0;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: BalancerOptions<E> = {}) {
    const core = new BalancerCore<E>('RoundRobin options', options, []);
    super(core);
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    core.table.attach(this.#credit);
    this.ready();
  }

  /** Picks the next endpoint in turn; see {@link LoadBalancer.pick}. */
  pick(options?: PickOptions): Lease<E> {
    // Fast path: every endpoint in rotation, none ramping, nothing excluded (decided on change, not here).
    if (this.#t.steady && (options === undefined || excludeOf(options) === undefined)) {
      const n = this.#t.n;
      let p = this.#next;
      if (p >= n) {
        if (n === 0) return this.#core.fail();
        p = 0;
      }
      this.#next = p + 1;
      return this.#book.lease(p);
    }
    const p = this.#choose(this.#core.begin(options), true);
    return p < 0 ? this.#core.fail() : this.#book.lease(p);
  }

  /** The endpoint the next `pick()` without options would return, without advancing. */
  peek(): E | undefined {
    const p = this.#choose(undefined, false);
    return p < 0 ? undefined : this.#t.eps[p];
  }

  #choose(exclude: ReadonlySet<string> | undefined, commit: boolean): number {
    const t = this.#t;
    const n = t.n;
    const ramping = t.ramping > 0;
    const credit = this.#credit.values;
    let p = this.#next;
    if (p >= n) p = 0;
    let skipped = -1;
    for (let k = 0; k < n; k++) {
      if (t.eligible(p, exclude)) {
        const f = ramping ? (t.eff[p] as number) / (t.weight[p] as number) : 1;
        if (f >= 1) {
          if (commit) this.#next = p + 1;
          return p;
        }
        const c = (credit[p] as number) + f;
        if (c >= 1) {
          if (commit) {
            credit[p] = c - 1;
            this.#next = p + 1;
          }
          return p;
        }
        if (commit) credit[p] = c;
        if (skipped < 0) skipped = p;
      }
      if (++p === n) p = 0;
    }
    // Every eligible endpoint is ramping and owed less than a turn: the first of them.
    if (skipped >= 0 && commit) this.#next = skipped + 1;
    return skipped;
  }
}
