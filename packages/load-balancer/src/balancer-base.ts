import { type BalancerOptions, Pool } from './_pool.js';
import type { Endpoint, Lease, LoadBalancer, LoadBalancerEvents, PickOptions } from './types.js';

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

/**
 * What every strategy shares: endpoint membership, leases (pooled, idempotent release, optional timeout),
 * health with Envoy's panic threshold, slow start and the outcome hook. Subclasses only choose.
 *
 * State lives in typed arrays indexed by a dense position (a structure of arrays), so picks
 * touch a few contiguous numbers and allocate nothing.
 */
export abstract class BalancerBase<E extends Endpoint = Endpoint> implements LoadBalancer<E> {
  /** @internal */
  protected readonly pool: Pool<E>;

  /**
   * @throws {TypeError}/{@link RangeError} on a bad option, naming it.
   */
  constructor(options: BalancerOptions<E> = {}) {
    this.pool = new Pool(options);
  }

  /** Picks an endpoint; see {@link LoadBalancer.pick}. */
  abstract pick(options?: PickOptions): Lease<E>;

  /** Adds an endpoint; see {@link LoadBalancer.add}. */
  add(endpoint: E): void {
    this.pool.add(endpoint);
  }

  /** Removes an endpoint; see {@link LoadBalancer.remove}. */
  remove(id: string): boolean {
    return this.pool.remove(id);
  }

  /** Sets an endpoint's health; see {@link LoadBalancer.setHealthy}. */
  setHealthy(id: string, healthy: boolean): boolean {
    return this.pool.setHealthy(id, healthy);
  }

  /** The current endpoints (a frozen snapshot, rebuilt only after a change). */
  get endpoints(): readonly E[] {
    return this.pool.endpoints;
  }

  /** Number of endpoints. */
  get size(): number {
    return this.pool.n;
  }

  /** True while fewer endpoints than `panicThreshold` percent are healthy and picks span all of them. */
  get panicking(): boolean {
    return this.pool.panicking;
  }

  /** Outstanding leases on endpoint `id` (its current instance), or `undefined` if unknown. */
  activeRequests(id: string): number | undefined {
    const p = this.pool.index.get(id);
    return p === undefined ? undefined : (this.pool.active[p] as number);
  }

  /** A snapshot of endpoint `id`'s balancing state (allocates; for inspection, not the hot path). Never changes what `pick()` does next. */
  stateOf(id: string): EndpointState | undefined {
    const pool = this.pool;
    const p = pool.index.get(id);
    if (p === undefined) return undefined;
    return {
      active: pool.active[p] as number,
      weight: pool.weight[p] as number,
      effectiveWeight: pool.eff[p] as number,
      healthy: pool.healthy[p] === 1,
      latencyCostMs: pool.cost[p] as number,
    };
  }

  /**
   * Subscribes to an event: `panic` / `recover` (panic routing began / ended) or `outcome` (the
   * passive-health hook, once per released or reclaimed lease). Returns a function that unsubscribes.
   * @throws {TypeError} on an unknown event or a non-function listener.
   * @example
   * ```ts
   * import { PowerOfTwoChoices } from '@scaling/load-balancer';
   * const lb = new PowerOfTwoChoices({ endpoints: [{ id: 'a' }, { id: 'b' }] });
   * const off = lb.on('outcome', (id, { ok, latencyMs }) => { if (!ok) console.log(id, 'failed after', latencyMs, 'ms'); });
   * lb.pick().release({ ok: false, latencyMs: 12 });
   * off();
   * ```
   */
  on<K extends keyof LoadBalancerEvents>(event: K, listener: LoadBalancerEvents[K]): () => void {
    return this.pool.on(event, listener as (...args: never[]) => void);
  }

  /** Stops the lease-timeout timer (if any). Picks keep working; reclaiming stops. */
  close(): void {
    this.pool.close();
  }
}
