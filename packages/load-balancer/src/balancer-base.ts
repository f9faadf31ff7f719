import type { Listener, Subscribable } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import type { BalancerCore } from './_core.js';
import { balancerStats } from './_stats.js';
import type { BalancerStats, Endpoint, Lease, LoadBalancer, LoadBalancerEvents, PickOptions } from './types.js';

/** A read-only view of one endpoint's balancing state, from {@link BalancerBase.stateOf}. */
export interface EndpointState {
  /** Leases outstanding on this endpoint instance. */
  readonly active: number;
  /** Configured weight. */
  readonly weight: number;
  /** Weight after slow start scaling. */
  readonly effectiveWeight: number;
  /** Health as last set with `setHealthy` (default `true`). */
  readonly healthy: boolean;
  /** Peak-EWMA latency cost in ms (0 until the first sample; only {@link PeakEwma} records it). */
  readonly latencyCostMs: number;
}

const EVENTS = ['panic', 'recover', 'outcome'] as const;

let coreOf: <E extends Endpoint>(b: BalancerBase<E>) => BalancerCore<E>;

/** The core of a balancer, for the strategy classes of this package. */
export function balancerCore<E extends Endpoint>(b: BalancerBase<E>): BalancerCore<E> {
  return coreOf(b);
}

/**
 * What every balancer shares: endpoint membership, leases (pooled, idempotent release, optional timeout),
 * health with Envoy's panic threshold, slow start and events. Subclasses (the strategies) only choose; a
 * strategy of your own plugs into {@link Balancer} through the {@link Strategy} interface.
 *
 * State lives in typed arrays indexed by a dense position (a structure of arrays), so picks
 * touch a few contiguous numbers and allocate nothing.
 *
 * Events (`on(event, listener)`, returning an unsubscribe function; also published on the diagnostics
 * channels `scaling:load-balancer:<event>`): `panic` / `recover` (`{ healthy, total }`) and `outcome`
 * (`{ id, ok?, latencyMs }`, once per released or reclaimed lease — the passive-health hook).
 */
export abstract class BalancerBase<E extends Endpoint = Endpoint> implements LoadBalancer<E>, Subscribable<LoadBalancerEvents> {
  static {
    coreOf = <E extends Endpoint>(b: BalancerBase<E>) => b.#core as BalancerCore<E>;
  }

  readonly #core: BalancerCore<E>;
  readonly #emitter: Emitter<LoadBalancerEvents>;

  /** Takes the core a strategy class built (its options already checked). */
  protected constructor(core: object) {
    this.#core = core as BalancerCore<E>;
    this.#emitter = new Emitter<LoadBalancerEvents>('load-balancer', EVENTS, this);
  }

  /** Adds the initial endpoints: called by each strategy class at the end of its constructor. */
  protected ready(): void {
    this.#core.start(this.#emitter);
  }

  /** Picks an endpoint; see {@link LoadBalancer.pick}. */
  abstract pick(options?: PickOptions): Lease<E>;

  /** Adds an endpoint (in slow start if configured); see {@link LoadBalancer.add}. */
  add(endpoint: E): void {
    this.#core.add(endpoint, true);
  }

  /** Removes an endpoint; see {@link LoadBalancer.remove}. */
  remove(id: string): boolean {
    return this.#core.remove(id);
  }

  /** Sets an endpoint's health; see {@link LoadBalancer.setHealthy}. */
  setHealthy(id: string, healthy: boolean): boolean {
    return this.#core.setHealthy(id, healthy);
  }

  /** The current endpoints (a frozen snapshot, rebuilt only after a change). */
  get endpoints(): readonly E[] {
    return this.#core.table.snapshot();
  }

  /** Number of endpoints. */
  get size(): number {
    return this.#core.table.n;
  }

  /** True while fewer endpoints than `panicThreshold` percent are healthy and picks span all of them. */
  get panicking(): boolean {
    return this.#core.table.panicking;
  }

  /** Outstanding leases on endpoint `id` (its current instance), or `undefined` if unknown. */
  activeRequests(id: string): number | undefined {
    const t = this.#core.table;
    const p = t.index.get(id);
    return p === undefined ? undefined : (t.active[p] as number);
  }

  /** Number of outstanding leases the lease-timeout sweep watches (0 without `leaseTimeoutMs`). */
  get trackedLeases(): number {
    return this.#core.book.tracked;
  }

  /** A snapshot of endpoint `id`'s balancing state (allocates; for inspection, not the hot path). Never changes what `pick()` does next. */
  stateOf(id: string): EndpointState | undefined {
    const t = this.#core.table;
    const p = t.index.get(id);
    if (p === undefined) return undefined;
    return {
      active: t.active[p] as number,
      weight: t.weight[p] as number,
      effectiveWeight: t.eff[p] as number,
      healthy: t.healthy[p] === 1,
      latencyCostMs: this.latencyCostAt(p),
    };
  }

  /**
   * A snapshot of counters and gauges (a fresh plain object; reading it changes nothing): picks and how
   * their leases ended, rejected picks, panics, size, health, active leases, and the same per endpoint
   * under `endpoints[id]`; with the `latencyHistogram` option, `requestDuration` histograms (ms). Counting
   * costs nothing per pick and one increment per release.
   * @example
   * ```ts
   * import { RoundRobin } from '@scaling/load-balancer';
   * const lb = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }] });
   * lb.pick().release({ ok: true });
   * const s = lb.stats();
   * console.log(s.picks, s.successes, s.endpoints.a?.picks); // 1 1 1
   * ```
   */
  stats(): BalancerStats {
    return balancerStats(this.#core);
  }

  /** Latency cost at a position (peak EWMA overrides it). */
  protected latencyCostAt(_position: number): number {
    return 0;
  }

  /**
   * Subscribes to an event: `panic` / `recover` (panic routing began / ended) or `outcome` (the
   * passive-health hook, once per released or reclaimed lease). Returns a function that unsubscribes.
   * A listener may call the balancer (pick, release, `setHealthy`, add, remove); one that throws does not
   * affect the balancer (its error is rethrown on `process.nextTick`).
   * @throws {TypeError} on an unknown event or a non-function listener.
   * @example
   * ```ts
   * import { PowerOfTwoChoices } from '@scaling/load-balancer';
   * const lb = new PowerOfTwoChoices({ endpoints: [{ id: 'a' }, { id: 'b' }] });
   * const off = lb.on('outcome', ({ id, ok, latencyMs }) => { if (ok === false) console.log(id, 'failed after', latencyMs, 'ms'); });
   * lb.pick().release({ ok: false, latencyMs: 12 });
   * off();
   * ```
   */
  on<K extends keyof LoadBalancerEvents & string>(event: K, listener: Listener<LoadBalancerEvents[K]>): () => void {
    const off = this.#emitter.on(event, listener);
    if (event !== 'outcome') return off;
    const core = this.#core;
    core.needLatency();
    core.outcomeListeners = this.#emitter.listenerCount('outcome');
    return () => {
      off();
      core.outcomeListeners = this.#emitter.listenerCount('outcome');
    };
  }

  /** Removes a listener added with {@link BalancerBase.on}. */
  off<K extends keyof LoadBalancerEvents & string>(event: K, listener: Listener<LoadBalancerEvents[K]>): void {
    this.#emitter.off(event, listener);
    if (event === 'outcome') this.#core.outcomeListeners = this.#emitter.listenerCount('outcome');
  }

  /** Stops the lease-timeout timer (if any). Picks keep working; reclaiming stops. */
  close(): void {
    this.#core.book.close();
  }
}
