import { assertNonNegativeFinite } from '@scaling/core/internal';
import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/** Options of {@link PowerOfTwoChoices}. */
export interface PowerOfTwoChoicesOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /**
   * Envoy's `active_request_bias`: with unequal weights a candidate scores `weight / (active + 1)^bias`.
   * 0 ignores load (weights only), 1 (default) divides by load linearly.
   */
  activeRequestBias?: number;
}

/**
 * Power of two choices, least-request (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing", 2001; Envoy's `LEAST_REQUEST`): draw two *distinct* eligible endpoints uniformly at random and
 * take the one with fewer active requests (ties: the first drawn, itself random). When weights differ, the
 * candidate with the larger `effectiveWeight / (active + 1)^activeRequestBias` wins, as Envoy does.
 * An endpoint busier than all others is never picked while two others are eligible. O(1) per pick.
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
  readonly #bias: number;

  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: PowerOfTwoChoicesOptions<E> = {}) {
    super(options);
    const bias = options.activeRequestBias ?? 1;
    assertNonNegativeFinite('activeRequestBias', bias);
    this.#bias = bias;
  }

  /** Picks the less loaded of two random eligible endpoints; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    if (pool.slowStarting > 0) pool.refreshSlowStart();
    const exclude = excludeOf(options);
    if (!pool.drawTwo(exclude)) return pool.fail();
    const a = pool.candA;
    const b = pool.candB;
    if (b < 0) return pool.lease(a);
    const active = pool.active;
    if (pool.equalWeights) return pool.lease((active[b] as number) < (active[a] as number) ? b : a);
    const eff = pool.eff;
    const bias = this.#bias;
    let sa: number;
    let sb: number;
    if (bias === 1) {
      sa = (eff[a] as number) / ((active[a] as number) + 1);
      sb = (eff[b] as number) / ((active[b] as number) + 1);
    } else {
      sa = (eff[a] as number) / ((active[a] as number) + 1) ** bias;
      sb = (eff[b] as number) / ((active[b] as number) + 1) ** bias;
    }
    return pool.lease(sb > sa ? b : a);
  }
}
