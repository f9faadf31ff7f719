import { assertNonNegativeFinite, assertPositiveFinite } from '@scaling/core/internal';
import { type BalancerOptions, excludeOf } from './_pool.js';
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
 * Floor of the latency cost in ms (100 µs, about one round trip inside a data centre). A cost of 0 — a
 * latency measured as 0 by a coarse clock, or an average that decayed to 0 while idle — would make
 * `cost × (active + 1)` zero whatever the load, so such an endpoint would win every comparison and take
 * every request. With the floor, load stays in play: an endpoint at the floor takes at most about
 * `peerCost / 0.1` times the requests of a peer. (Finagle likewise never lets a zero cost hide load: a
 * zero-cost node with requests outstanding is charged a penalty.)
 */
export const PEAK_EWMA_COST_FLOOR_MS = 0.1;

/**
 * Peak EWMA (Finagle's `PeakEwma` balancer, Linkerd 2's proxy; Twitter, 2016): each endpoint keeps a
 * peak-sensitive exponentially weighted moving average of latency — a sample above the average replaces
 * it at once, lower samples blend in with weight `1 − e^(−Δt/τ)` — that also decays toward 0 while idle.
 * Its load is `cost × (active + 1) / weight`; the lesser loaded of two distinct random eligible endpoints
 * (power of two choices) is picked.
 *
 * The latency cost used in the comparison is never below {@link PEAK_EWMA_COST_FLOOR_MS} (0.1 ms), so an
 * endpoint whose average is 0 does not take every request whatever its load.
 *
 * An endpoint without samples costs 0 while idle and a prohibitive penalty once it has a request
 * outstanding, so a new endpoint is probed with one request at a time until it answers. Failures are
 * charged at least `failurePenaltyMs`. Latency comes from `release({ ok, latencyMs })` or, if omitted,
 * from the clock since `pick()`; a `latencyMs` that is not a finite number ≥ 0 releases the lease (with
 * the clock's latency) and then throws.
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
    const exclude = excludeOf(options);
    if (!pool.drawTwo(exclude)) return pool.fail();
    const a = pool.candA;
    const b = pool.candB;
    if (b < 0) return pool.lease(a);
    const now = pool.clock.now();
    pool.pickTime[0] = now;
    // Load = decayed cost × (active + 1) / effective weight; no samples yet: 0 while idle, else a penalty.
    // (Written out for both candidates so no double crosses a call boundary.)
    const active = pool.active;
    const sampled = pool.sampled;
    const decayMs = this.#decayMs;
    let la: number;
    let lb: number;
    const aa = active[a] as number;
    if (sampled[a] === 0) la = aa === 0 ? 0 : PENALTY + aa;
    else {
      const dt = now - (pool.stamp[a] as number);
      let c = (dt > 0 ? Math.exp(-dt / decayMs) : 1) * (pool.cost[a] as number);
      if (!(c >= PEAK_EWMA_COST_FLOOR_MS)) c = PEAK_EWMA_COST_FLOOR_MS;
      la = (c * (aa + 1)) / (pool.eff[a] as number);
    }
    const ab = active[b] as number;
    if (sampled[b] === 0) lb = ab === 0 ? 0 : PENALTY + ab;
    else {
      const dt = now - (pool.stamp[b] as number);
      let c = (dt > 0 ? Math.exp(-dt / decayMs) : 1) * (pool.cost[b] as number);
      if (!(c >= PEAK_EWMA_COST_FLOOR_MS)) c = PEAK_EWMA_COST_FLOOR_MS;
      lb = (c * (ab + 1)) / (pool.eff[b] as number);
    }
    return pool.lease(lb < la ? b : a);
  }
}
