/**
 * The small interface through which {@link ReplicaRouter} picks among eligible replicas. It is the
 * `pick`/`Lease` shape of `@scaling/load-balancer`'s `LoadBalancer`, so any of its strategies plugs in
 * (the default is its `RoundRobin`).
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

/** One routing decision: the endpoint to use and a `release` to call exactly once when the request is done. */
export interface ReplicaLease<E> {
  /** The chosen endpoint (a replica, or the primary on fallback). */
  readonly endpoint: E;
  /** Report completion (optional result). Balancer leases are pooled: do not use a lease after releasing it. */
  release(result?: RouteResult): void;
}

/** Options passed to {@link ReplicaBalancer.pick}. */
export interface PickOptions {
  /** Affinity key for consistent-hash strategies. */
  key?: string | undefined;
  /** Ids that must not be chosen (not healthy, lagging, or behind the session's position). */
  exclude?: ReadonlySet<string> | undefined;
}

/**
 * A replica-choosing strategy: every `@scaling/load-balancer` balancer satisfies it. The router only
 * calls `pick` when at least one endpoint is not excluded.
 */
export interface ReplicaBalancer<R extends ReplicaEndpoint> {
  /** Choose one endpoint not in `options.exclude`. */
  pick(options?: PickOptions): ReplicaLease<R>;
}

/**
 * Builds the balancer for a router's replicas (called once, at construction), e.g.
 * `(replicas) => new PeakEwma({ endpoints: replicas })` from `@scaling/load-balancer`.
 */
export type ReplicaBalancerFactory<R extends ReplicaEndpoint> = (replicas: readonly R[]) => ReplicaBalancer<R>;
