import { assertNonNegativeFinite } from '@scaling/core/internal';
import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import { LeastRequestEdf } from './_least-request-edf.js';
import type { BalancerOptions } from './_options.js';
import { firstOf, firstOfBits, type RandomDraw, secondOf, secondOfBits, steadyDraw, twoChoices } from './_random.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/** Options of {@link PowerOfTwoChoices}. */
export interface PowerOfTwoChoicesOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /**
   * Envoy's `active_request_bias`: with unequal weights an endpoint's turn comes every
   * `(active + 1)^bias / weight`. 0 ignores load (weights only), 1 (default) divides by load linearly.
   */
  activeRequestBias?: number;
}

/**
 * Power of two choices, least-request (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing", 2001; Envoy's `LEAST_REQUEST`). O(1) per pick with equal weights, O(log n) with unequal ones.
 *
 * **Weight and load:** with equal effective weights, draw two *distinct* eligible endpoints uniformly at
 * random and take the one with fewer active requests (ties: the first drawn, itself random); an endpoint
 * busier than all others is never picked while two others are eligible. With unequal weights (configured,
 * or slow start ramping), Envoy's scheme: an earliest-deadline-first schedule where each endpoint's turns
 * come every `(active + 1)^activeRequestBias / effectiveWeight`, so idle endpoints get exactly their
 * weights' shares and busy ones proportionally fewer; no endpoint with a non-zero weight is starved.
 *
 * @example
 * ```ts
 * import { PowerOfTwoChoices } from '@scaling/load-balancer';
 * const lb = new PowerOfTwoChoices({ endpoints: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
 * const lease = lb.pick();
 * try { console.log('calling', lease.endpoint.id); lease.release({ ok: true }); }
 * catch { lease.release({ ok: false }); }
 * ```
 */
export class PowerOfTwoChoices<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  readonly #rng: RandomDraw;
  readonly #edf: LeastRequestEdf<E>;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: PowerOfTwoChoicesOptions<E> = {}) {
    const core = new BalancerCore<E>('PowerOfTwoChoices options', options, ['activeRequestBias']);
    super(core);
    const bias = options.activeRequestBias ?? 1;
    assertNonNegativeFinite('activeRequestBias', bias);
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    this.#rng = core.rng;
    this.#edf = new LeastRequestEdf(core.table, bias);
    this.ready();
  }

  /** Picks the less loaded of two random eligible endpoints; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    // Fast path (decided on change): all in rotation, none ramping, equal weights, no options; 2–256 endpoints.
    const t = this.#t;
    const x = steadyDraw(t, this.#rng, options);
    if (x < 0) return this.#pickSlow(options);
    const a = firstOfBits(x, t.n);
    const b = secondOfBits(x, t.n, a);
    return this.#book.lease((t.active[b] as number) < (t.active[a] as number) ? b : a);
  }

  #pickSlow(options: PickOptions | undefined): Lease<E> {
    const exclude = this.#core.begin(options);
    if (this.#t.equalWeights) return this.#lessLoaded(exclude);
    const p = this.#edf.next(exclude);
    return p < 0 ? this.#core.fail() : this.#book.lease(p);
  }

  /** The less loaded of two random eligible endpoints (ties: the first drawn). */
  #lessLoaded(exclude: ReadonlySet<string> | undefined): Lease<E> {
    const pair = twoChoices(this.#t, this.#rng, exclude);
    if (pair < 0) return this.#core.fail();
    const a = firstOf(pair);
    const b = secondOf(pair);
    const active = this.#t.active;
    return this.#book.lease(b >= 0 && (active[b] as number) < (active[a] as number) ? b : a);
  }
}
