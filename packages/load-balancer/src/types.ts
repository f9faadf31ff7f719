import type { Lease as CoreLease, Histogram, Outcome } from '@scaling/core';

/**
 * An upstream a balancer can pick: a stable `id` and an optional positive `weight` (default 1). Balancers
 * keep the object you pass (extra fields included) and hand it back on every lease.
 */
export interface Endpoint {
  /** Unique within one balancer. Removing and re-adding the same id creates a new endpoint instance. */
  readonly id: string;
  /** Relative capacity, a finite number > 0. Default 1. */
  readonly weight?: number;
}

/**
 * What a caller reports when a request finishes: core's shared `Outcome` (`ok` absent = no outcome).
 * @deprecated Use `Outcome` from `@scaling/core`; this alias goes in the next major version.
 */
export type LeaseResult = Outcome;

/**
 * One in-flight request on the endpoint `pick()` chose: core's shared `Lease` plus the endpoint. Call
 * {@link Lease.release} exactly when the request finishes (success, failure, abort); further calls are no-ops.
 *
 * Lease objects are pooled: once released, the balancer reuses the object for a later `pick()`. Do not
 * keep a released lease around and release it again later (pass `pooledLeases: false` to the balancer if
 * your code cannot guarantee that).
 */
export interface Lease<E extends Endpoint = Endpoint> extends CoreLease {
  /** The chosen endpoint. */
  readonly endpoint: E;
  /**
   * Ends the lease: decrements the endpoint's active-request counter once and reports the outcome to
   * latency-aware strategies and `outcome` listeners. `release({ ok: true })` is a success,
   * `release({ ok: false })` a failure; `release()` and `release({})` mean **no outcome** (the request was
   * dropped or cancelled): it counts as neither, so peak EWMA and outlier detection ignore it. Idempotent.
   * @throws {RangeError} when `outcome.latencyMs` is a negative, NaN or infinite number, {@link TypeError}
   * when it is not a number — after the lease has been released (as if `latencyMs` were omitted), so the
   * counters never leak.
   */
  release(outcome?: Outcome): void;
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
 * Payload of the `outcome` event (the passive-health hook): the endpoint's id and how its lease ended. `ok`
 * is absent for a release without an outcome; `latencyMs` is the reported latency or, when none was given,
 * the time since `pick()` on the balancer's clock. The object is shaped like core's `Outcome`, so it can be
 * handed straight to an outlier detector: `lb.on('outcome', (o) => detector.record(o.id, o))`.
 */
export interface OutcomeEvent extends Outcome {
  /** The endpoint's id. */
  readonly id: string;
  /** `true` success, `false` failure (a reclaimed lease is a failure), absent: no outcome. */
  readonly ok?: boolean;
  /** Latency in milliseconds. */
  readonly latencyMs: number;
}

/**
 * The positional outcome callback of the deprecated `onOutcome` option: `(endpointId, outcome)`.
 * @deprecated Subscribe with `on('outcome', (event) => …)` instead.
 */
export type OutcomeListener = (endpointId: string, outcome: OutcomeEvent) => void;

/** Payload of the `panic` and `recover` events: healthy and total endpoint counts at the edge. */
export interface PanicEvent {
  /** Endpoints marked healthy. */
  readonly healthy: number;
  /** All endpoints. */
  readonly total: number;
}

/**
 * Events a balancer emits, by name, with their payloads; each is also published on the diagnostics channel
 * `scaling:load-balancer:<event>` (see docs/events.md).
 */
export type LoadBalancerEvents = {
  /** Too few endpoints are healthy (below `panicThreshold`): picks now span every endpoint. Edge-triggered. */
  panic: PanicEvent;
  /** Healthy endpoints are back at or above `panicThreshold`: picks skip unhealthy endpoints again. */
  recover: PanicEvent;
  /** A lease was released or reclaimed: the passive-health hook. */
  outcome: OutcomeEvent;
};

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

/**
 * One endpoint's part of {@link BalancerStats} (under `endpoints[id]`), counted since the endpoint was
 * added (a removed and re-added id starts again from 0). `picks = successes + failures + noOutcome + active`.
 */
export interface EndpointStats {
  /** Leases issued on this endpoint (counter). */
  readonly picks: number;
  /** Leases released with `{ ok: true }` (counter). */
  readonly successes: number;
  /** Leases released with `{ ok: false }`, or reclaimed by the lease timeout (counter). */
  readonly failures: number;
  /** Leases released without an outcome: `release()`, `release({})` (counter). */
  readonly noOutcome: number;
  /** Leases reclaimed by `leaseTimeoutMs` (counter; also counted in `failures`). */
  readonly timeouts: number;
  /** Leases outstanding now (gauge). */
  readonly active: number;
  /** Configured weight (gauge). */
  readonly weight: number;
  /** Weight after slow start (gauge). */
  readonly effectiveWeight: number;
  /** Health as last set with `setHealthy` (gauge, 0/1). */
  readonly healthy: boolean;
  /** In slow start now (gauge, 0/1). */
  readonly ramping: boolean;
  /** Peak EWMA's latency cost in ms (gauge; `PeakEwma` only). */
  readonly latencyCostMs?: number;
  /**
   * Latency of the leases released with an outcome (and reclaimed ones), in ms: the reported `latencyMs`,
   * else the time since `pick()`. A copy; present only with the `latencyHistogram` option.
   */
  readonly requestDuration?: Histogram;
}

/**
 * A balancer's `stats()` snapshot (the monitoring convention of `@scaling/core`): counters since
 * construction — removed endpoints included — and gauges, with a per-endpoint breakdown.
 * `picks = successes + failures + noOutcome + active`; `releases + timeouts = successes + failures + noOutcome`.
 */
export interface BalancerStats {
  /** Leases issued (counter). */
  readonly picks: number;
  /** Leases released by their holder (counter). */
  readonly releases: number;
  /** Released with `{ ok: true }` (counter). */
  readonly successes: number;
  /** Released with `{ ok: false }` or reclaimed by the lease timeout (counter). */
  readonly failures: number;
  /** Released without an outcome (counter). */
  readonly noOutcome: number;
  /** Reclaimed by `leaseTimeoutMs` (counter; also in `failures`). */
  readonly timeouts: number;
  /** Picks that threw `NoEndpointError`: no endpoint, none healthy, or all excluded (counter). */
  readonly rejected: number;
  /** Panic episodes begun: `panic` events (counter). */
  readonly panics: number;
  /** Endpoints (gauge). */
  readonly size: number;
  /** Endpoints marked healthy (gauge). */
  readonly healthy: number;
  /** Leases outstanding, on removed endpoints too (gauge). */
  readonly active: number;
  /** Endpoints in slow start (gauge). */
  readonly ramping: number;
  /** Panic routing in effect (gauge, 0/1). */
  readonly panic: boolean;
  /** All endpoints' latencies merged (ms; a copy), with the `latencyHistogram` option only. */
  readonly requestDuration?: Histogram;
  /** Per endpoint, by id. */
  readonly endpoints: Readonly<Record<string, EndpointStats>>;
}
