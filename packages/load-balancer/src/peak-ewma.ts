import { assertNonNegativeFinite, assertPositiveFinite } from '@scaling/core';
import type { BalancerOptions } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/** Options of {@link PeakEwma}. */
export interface PeakEwmaOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /** Decay time τ of the moving average in ms: a sample's weight falls to 1/e after τ. Default 10,000 (Finagle, Linkerd). */
  decayMs?: number;
  /**
   * A failed request counts as a latency sample of at least this many ms, so an endpoint that fails fast
   * does not look fastest. Default 1,000.
   */
  failurePenaltyMs?: number;
}

/** Cost of an endpoint with requests outstanding but no latency sample yet (Finagle's `Penalty`). */
const PENALTY = Number.MAX_SAFE_INTEGER / 2;

/**
 * Peak EWMA (Finagle's `PeakEwma` balancer, Linkerd 2's proxy; Twitter, 2016): each endpoint keeps a
 * peak-sensitive exponentially weighted moving average of latency — a sample above the average replaces
 * it at once, lower samples blend in with weight `1 − e^(−Δt/τ)` — that also decays toward 0 while idle.
 * Its load is `cost × (active + 1) / weight`; the lesser loaded of two distinct random eligible endpoints
 * (power of two choices) is picked.
 *
 * An endpoint without samples costs 0 while idle and a prohibitive penalty once it has a request
 * outstanding, so a new endpoint is probed with one request at a time until it answers. Failures are
 * charged at least `failurePenaltyMs`. Latency comes from `release({ ok, latencyMs })` or, if omitted,
 * from the clock since `pick()`.
 *
 * @example
 * ```ts
 * import { PeakEwma } from '@scaling/load-balancer';
 * const lb = new PeakEwma({ endpoints: [{ id: 'a' }, { id: 'b' }], decayMs: 10_000 });
 * const lease = lb.pick();
 * lease.release({ ok: true, latencyMs: 42 });
 * console.log(lb.stateOf(lease.endpoint.id)?.latencyCostMs); // 42
 * ```
 */
export class PeakEwma<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #decayMs: number;

  /** @throws {TypeError}/{@link RangeError} on a bad option. */
  constructor(options: PeakEwmaOptions<E> = {}) {
    super(options);
    const { decayMs = 10_000, failurePenaltyMs = 1_000 } = options;
    assertPositiveFinite('decayMs', decayMs);
    assertNonNegativeFinite('failurePenaltyMs', failurePenaltyMs);
    this.#decayMs = decayMs;
    this.pool.enableLatency({ decayMs, failurePenaltyMs });
  }

  /** Picks the endpoint with the lower latency × load of two random eligible ones; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    if (pool.slowStarting > 0) pool.refreshSlowStart();
    const exclude = options === undefined || options.exclude === undefined || options.exclude.size === 0 ? undefined : options.exclude;
    const n = pool.n;
    let a: number;
    let b: number;
    if (pool.allIn && exclude === undefined) {
      if (n < 2) return n === 1 ? pool.lease(0) : pool.fail();
      // One draw gives both candidates: the integer part picks a, the fraction picks b among the others.
      const r = pool.random() * n;
      a = r | 0;
      b = ((r - a) * (n - 1)) | 0;
      if (b >= a) b++;
    } else {
      a = pool.randomEligible(exclude, -1);
      if (a < 0) return pool.fail();
      b = pool.randomEligible(exclude, a);
      if (b < 0) return pool.lease(a);
    }
    const now = pool.clock.now();
    return pool.lease(this.#load(b, now) < this.#load(a, now) ? b : a, now);
  }

  /** Current load of position `p`: decayed cost × (active + 1) / effective weight. */
  #load(p: number, now: number): number {
    const pool = this.pool;
    const active = pool.active[p] as number;
    if (pool.sampled[p] === 0) return active === 0 ? 0 : PENALTY + active;
    const dt = now - (pool.stamp[p] as number);
    const cost = dt > 0 ? (pool.cost[p] as number) * Math.exp(-dt / this.#decayMs) : (pool.cost[p] as number);
    return (cost * (active + 1)) / (pool.eff[p] as number);
  }
}
