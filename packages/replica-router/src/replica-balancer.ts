/**
 * The small interface through which {@link ReplicaRouter} picks among eligible replicas. It is the
 * `pick`/`Lease` shape of `@scaling/load-balancer`'s `LoadBalancer`, so any of its strategies plugs in.
 */

/** A replica as the router sees it: a stable `id` and an optional relative `weight` (default 1). */
export interface ReplicaEndpoint {
  /** Stable, unique name of the replica (used in errors, exclusion sets and status reports). */
  readonly id: string;
  /** Relative weight for weighted strategies (default 1). */
  readonly weight?: number;
}

/** Outcome of a routed request, handed back to the balancer (for least-request / EWMA strategies). */
export interface RouteResult {
  /** `false` when the request failed. */
  ok: boolean;
  /** Observed latency in milliseconds, when known. */
  latencyMs?: number;
}

/** One routing decision: the endpoint to use and a `release` to call once the request is done. */
export interface ReplicaLease<E> {
  /** The chosen endpoint (a replica, or the primary on fallback). */
  readonly endpoint: E;
  /** Report completion (optional result). Calling it more than once is a no-op for built-in leases. */
  release(result?: RouteResult): void;
}

/** Options passed to {@link ReplicaBalancer.pick}. */
export interface PickOptions {
  /** Affinity key for consistent-hash strategies. */
  key?: string;
  /** Ids that must not be chosen (not healthy, lagging, or behind the session's position). */
  exclude?: ReadonlySet<string>;
}

/**
 * A replica-choosing strategy: `@scaling/load-balancer`'s `LoadBalancer` satisfies it. The router only
 * calls `pick` when at least one endpoint is not excluded.
 */
export interface ReplicaBalancer<R extends ReplicaEndpoint> {
  /** Choose one endpoint not in `options.exclude`. */
  pick(options?: PickOptions): ReplicaLease<R>;
}

/** Builds the balancer for a router's replicas (called once, at construction). */
export type ReplicaBalancerFactory<R extends ReplicaEndpoint> = (replicas: readonly R[]) => ReplicaBalancer<R>;

const noop = (): void => {};

/**
 * Built-in round-robin over the replicas that are not excluded: each pick starts one past the last
 * choice, so eligible replicas share reads evenly. Leases are preallocated per replica and their
 * `release` is a no-op, so a pick allocates nothing.
 *
 * @example
 * ```ts
 * import { RoundRobinReplicaBalancer } from '@scaling/replica-router';
 * const rr = new RoundRobinReplicaBalancer([{ id: 'r1' }, { id: 'r2' }]);
 * rr.pick().endpoint.id; // 'r1', then 'r2', 'r1', …
 * ```
 */
export class RoundRobinReplicaBalancer<R extends ReplicaEndpoint> implements ReplicaBalancer<R> {
  readonly #leases: ReplicaLease<R>[];
  #next = 0;

  /**
   * @param replicas - the endpoints, in order.
   * @throws {RangeError} when `replicas` is empty.
   */
  constructor(replicas: readonly R[]) {
    if (replicas.length === 0) throw new RangeError('Expected `replicas` to be a non-empty array, got an empty array');
    this.#leases = replicas.map((endpoint) => ({ endpoint, release: noop }));
  }

  /** Next endpoint in turn that is not excluded. @throws {RangeError} when every endpoint is excluded. */
  pick(options?: PickOptions): ReplicaLease<R> {
    const leases = this.#leases;
    const n = leases.length;
    const exclude = options?.exclude;
    for (let k = 0; k < n; k++) {
      const i = (this.#next + k) % n;
      const lease = leases[i] as ReplicaLease<R>;
      if (exclude !== undefined && exclude.size > 0 && exclude.has(lease.endpoint.id)) continue;
      this.#next = (i + 1) % n;
      return lease;
    }
    throw new RangeError('Expected at least one endpoint not excluded, got none');
  }
}
