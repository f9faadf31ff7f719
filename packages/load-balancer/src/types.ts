/** An upstream a balancer can pick: a stable `id` and an optional positive `weight` (default 1). */
export interface Endpoint {
  /** Unique within one balancer. Removing and re-adding the same id creates a new endpoint instance. */
  readonly id: string;
  /** Relative capacity, a finite number > 0. Default 1. */
  readonly weight?: number;
}

/** What a caller reports when a request finishes: whether it succeeded and how long it took (ms). */
export interface LeaseResult {
  /** `false` when the request failed (error, timeout, 5xx). Default `true`. */
  ok: boolean;
  /** Measured latency in milliseconds. Default: the time since `pick()` on the balancer's clock. */
  latencyMs?: number;
}

/**
 * One in-flight request on the endpoint `pick()` chose. Call {@link Lease.release} exactly when the
 * request finishes (success, failure, abort); further calls are no-ops.
 *
 * Lease objects are pooled: once released, the balancer reuses the object for a later `pick()`. Do not
 * keep a released lease around and release it again later (pass `pooledLeases: false` to the balancer if
 * your code cannot guarantee that).
 */
export interface Lease<E extends Endpoint = Endpoint> {
  /** The chosen endpoint. */
  readonly endpoint: E;
  /**
   * Ends the lease: decrements the endpoint's active-request counter once, feeds latency-aware strategies
   * and the outcome listeners. Idempotent.
   * @throws {RangeError} when `result.latencyMs` is a negative, NaN or infinite number, {@link TypeError}
   * when it is not a number — after the lease has been released (as if `latencyMs` were omitted), so the
   * counters never leak.
   */
  release(result?: LeaseResult): void;
}

/** Options of one `pick()`. */
export interface PickOptions {
  /** Request key for {@link ConsistentHashing}; ignored by the other strategies. */
  key?: string | undefined;
  /**
   * Endpoint ids not to pick, e.g. the ones a retry already tried. Must be a `ReadonlySet` (a `Set`, or an
   * object with `has()` and `size`) — an array or other iterable throws a `TypeError` naming `exclude`
   * rather than being copied on every pick.
   */
  exclude?: ReadonlySet<string> | undefined;
}

/**
 * The passive-health hook: called once per released (or reclaimed) lease with the endpoint's id and the
 * outcome. `outcome` is one reused object, valid only during the call: copy its fields if you keep them.
 * The health package's outlier detector subscribes here and answers with `setHealthy(id, false)`.
 */
export type OutcomeListener = (endpointId: string, outcome: Readonly<LeaseResult> & { readonly latencyMs: number }) => void;

/** Payload of the `panic` event: healthy and total endpoint counts when panic routing began. */
export interface PanicEvent {
  /** Endpoints marked healthy. */
  readonly healthy: number;
  /** All endpoints. */
  readonly total: number;
}

/** Events a balancer emits, with their listener signatures. */
export interface LoadBalancerEvents {
  /** Too few endpoints are healthy (below `panicThreshold`): picks now span every endpoint. Edge-triggered. */
  panic: (event: PanicEvent) => void;
  /** Healthy endpoints are back at or above `panicThreshold`: picks skip unhealthy endpoints again. */
  recover: (event: PanicEvent) => void;
  /** A lease was released or reclaimed: the passive-health hook (see {@link OutcomeListener}). */
  outcome: OutcomeListener;
}

/**
 * The common interface of every strategy.
 *
 * @typeParam E - the endpoint shape; anything with an `id` (and optional `weight`).
 */
export interface LoadBalancer<E extends Endpoint = Endpoint> {
  /**
   * Picks an endpoint and returns a lease on it.
   * @throws {ScalingError} `ERR_NO_ENDPOINTS` when there is no endpoint or every candidate is excluded;
   * `ERR_NO_HEALTHY_ENDPOINTS` when none is healthy and panic routing is disabled (`panicThreshold: 0`).
   */
  pick(options?: PickOptions): Lease<E>;
  /**
   * Adds an endpoint (it starts with zero active requests, in slow start if configured).
   * @throws {ScalingError} `ERR_DUPLICATE_ENDPOINT` when the id is present. {@link TypeError}/{@link RangeError} on a bad weight.
   */
  add(endpoint: E): void;
  /** Removes an endpoint; its outstanding leases still release safely (without touching a re-added namesake). */
  remove(id: string): boolean;
  /** Takes an endpoint out of rotation (`false`) or back in (`true`, with slow start if configured). Returns whether the id is known. */
  setHealthy(id: string, healthy: boolean): boolean;
  /** The endpoints (a frozen snapshot, cheap to read repeatedly). Insertion order until a removal, which moves the last endpoint into the gap. */
  readonly endpoints: readonly E[];
}
