import type { Clock } from '@scaling/core';
import { assertNonNegativeFinite, assertPositiveFinite } from '@scaling/core/internal';
import { BalancerCore } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import { LeastRequestEdf } from './_least-request-edf.js';
import type { BalancerOptions } from './_options.js';
import { PeakEwmaCost } from './_peak-ewma-cost.js';
import { firstOf, firstOfBits, type RandomDraw, secondOf, secondOfBits, steadyDraw, twoChoices } from './_random.js';
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
 *
 * **Weight and load:** an endpoint's load is `cost × (active + 1)`. With equal effective weights, the lesser
 * loaded of two distinct random eligible endpoints (power of two choices) is picked. With unequal weights
 * (configured, or slow start ramping), an earliest-deadline-first schedule where each endpoint's turns come
 * every `cost × (active + 1) / effectiveWeight` (as Envoy's least-request with latency as the load), so
 * equally fast idle endpoints get exactly their weights' shares and slow or busy ones proportionally
 * fewer; no endpoint with a non-zero weight is starved.
 *
 * The latency cost used is never below {@link PEAK_EWMA_COST_FLOOR_MS} (0.1 ms), so an endpoint whose
 * average is 0 does not take every request whatever its load. An endpoint without samples costs 0 while
 * idle and a prohibitive penalty once it has a request outstanding, so a new endpoint is probed with one
 * request at a time until it answers. Failures are charged at least `failurePenaltyMs`. Latency comes
 * from `release({ ok, latencyMs })` or, if `latencyMs` is omitted, from the clock since `pick()`; a
 * release without an outcome (`release()`, `release({})`) leaves the cost unchanged.
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
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  readonly #rng: RandomDraw;
  readonly #decayMs: number;
  readonly #ewma: PeakEwmaCost<E>;
  readonly #edf: LeastRequestEdf<E>;
  readonly #now = new Float64Array(1);
  readonly #clock: Clock;
  readonly #pickTime: Float64Array;
  readonly #stepOf = (p: number): number => this.#edfLoad(p, this.#now[0] as number) / (this.#t.eff[p] as number);

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option. */
  constructor(options: PeakEwmaOptions<E> = {}) {
    const core = new BalancerCore<E>('PeakEwma options', options, ['decayMs', 'failurePenaltyMs']);
    super(core);
    const { decayMs = 10_000, failurePenaltyMs = 1_000 } = options;
    assertPositiveFinite('decayMs', decayMs);
    assertNonNegativeFinite('failurePenaltyMs', failurePenaltyMs);
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    this.#rng = core.rng;
    this.#decayMs = decayMs;
    this.#clock = core.options.clock;
    this.#pickTime = core.book.pickTime;
    this.#ewma = new PeakEwmaCost(core.table, core.book.sample, decayMs, failurePenaltyMs);
    this.#edf = new LeastRequestEdf(core.table, 1);
    core.observer = this.#ewma;
    core.latencyCost = (p) => this.#ewma.cost[p] as number;
    core.needLatency();
    this.ready();
  }

  /** Picks the endpoint with the lower latency × load of two random eligible ones; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    // Fast path (decided on change): all in rotation, none ramping, equal weights, no options; 2–256 endpoints.
    const x = steadyDraw(this.#t, this.#rng, options);
    if (x < 0) return this.#pickSlow(options);
    const a = firstOfBits(x, this.#t.n);
    return this.#lowerOf(a, secondOfBits(x, this.#t.n, a));
  }

  #pickSlow(options: PickOptions | undefined): Lease<E> {
    const exclude = this.#core.begin(options);
    if (this.#t.equalWeights) {
      const pair = twoChoices(this.#t, this.#rng, exclude);
      if (pair < 0) return this.#core.fail();
      const b = secondOf(pair);
      return b < 0 ? this.#book.lease(firstOf(pair)) : this.#lowerOf(firstOf(pair), b);
    }
    const now = this.#clock.now();
    this.#now[0] = now;
    this.#pickTime[0] = now;
    const p = this.#edf.nextWith(exclude, this.#stepOf);
    return p < 0 ? this.#core.fail() : this.#book.lease(p);
  }

  /** Leases the lower latency × load of two drawn positions `a` ≠ `b` (ties: `a`, the first drawn). */
  #lowerOf(a: number, b: number): Lease<E> {
    const t = this.#t;
    const now = this.#clock.now();
    this.#pickTime[0] = now;
    // Load = decayed cost × (active + 1); no samples yet: 0 while idle, else a penalty. Written out for
    // both candidates (no helper) so no double crosses a call boundary and the pick stays inlinable.
    const ewma = this.#ewma;
    const active = t.active;
    const decayMs = this.#decayMs;
    let la: number;
    let lb: number;
    const aa = active[a] as number;
    if (ewma.sampled[a] === 0) la = aa === 0 ? 0 : PENALTY + aa;
    else {
      const dt = now - (ewma.stamp[a] as number);
      let c = (dt > 0 ? Math.exp(-dt / decayMs) : 1) * (ewma.cost[a] as number);
      if (!(c >= PEAK_EWMA_COST_FLOOR_MS)) c = PEAK_EWMA_COST_FLOOR_MS;
      la = c * (aa + 1);
    }
    const ab = active[b] as number;
    if (ewma.sampled[b] === 0) lb = ab === 0 ? 0 : PENALTY + ab;
    else {
      const dt = now - (ewma.stamp[b] as number);
      let c = (dt > 0 ? Math.exp(-dt / decayMs) : 1) * (ewma.cost[b] as number);
      if (!(c >= PEAK_EWMA_COST_FLOOR_MS)) c = PEAK_EWMA_COST_FLOOR_MS;
      lb = c * (ab + 1);
    }
    return this.#book.lease(lb < la ? b : a);
  }

  /** The cost of a sampled position `p` decayed to `now`, never below {@link PEAK_EWMA_COST_FLOOR_MS}. */
  #decayedCost(p: number, now: number): number {
    const ewma = this.#ewma;
    const dt = now - (ewma.stamp[p] as number);
    const c = (dt > 0 ? Math.exp(-dt / this.#decayMs) : 1) * (ewma.cost[p] as number);
    return !(c >= PEAK_EWMA_COST_FLOOR_MS) ? PEAK_EWMA_COST_FLOOR_MS : c;
  }

  /**
   * Latency × load of position `p` at `now`, the numerator of its EDF step. An endpoint without samples is
   * charged the largest cost among the others (a deadline, unlike P2C's comparison, outlives the moment,
   * so Finagle's near-infinite penalty would bench it for good).
   */
  #edfLoad(p: number, now: number): number {
    const ewma = this.#ewma;
    const a = this.#t.active[p] as number;
    let c: number;
    if (ewma.sampled[p] === 0) {
      c = PEAK_EWMA_COST_FLOOR_MS;
      for (let q = 0; q < this.#t.n; q++) if (ewma.sampled[q] === 1 && (ewma.cost[q] as number) > c) c = ewma.cost[q] as number;
    } else c = this.#decayedCost(p, now);
    return c * (a + 1);
  }

  protected override latencyCostAt(position: number): number {
    return this.#ewma.cost[position] as number;
  }
}
