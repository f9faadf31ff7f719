/**
 * The small interface through which {@link ReplicaRouter} picks among eligible replicas. It is the
 * `pick` shape of `@scaling/load-balancer`'s `LoadBalancer` (its `PickOptions`, a lease released with
 * `@scaling/core`'s `Outcome`), so any of its strategies plugs in (the default is its `RoundRobin`).
 */
import type { Lease, Outcome } from '@scaling/core';
import type { PickOptions } from '@scaling/load-balancer';

/** A replica as the router sees it: a stable `id` and an optional relative `weight` (default 1). */
export interface ReplicaEndpoint {
  /** Stable, unique name of the replica (used in errors, exclusion sets and status reports). */
  readonly id: string;
  /** Relative weight for weighted strategies (default 1). */
  readonly weight?: number;
}

/**
 * One routing decision: the endpoint to use, and `@scaling/core`'s `Lease` contract — call
 * `release(outcome?)` once when the request is done (`{ ok, latencyMs }` feeds latency-aware
 * strategies; no `ok` means "no outcome"). Balancer leases are pooled: do not use one after releasing it.
 */
export interface ReplicaLease<E> extends Lease {
  /** The chosen endpoint (a replica, or the primary on fallback). */
  readonly endpoint: E;
  /** Ends the lease, reporting how the read went (`@scaling/core`'s `Outcome`; omit it for "no outcome"). Idempotent. */
  release(outcome?: Outcome): void;
}

/**
 * A replica-choosing strategy: every `@scaling/load-balancer` balancer satisfies it. The router only
 * calls `pick` when at least one endpoint is not excluded, with `exclude` holding the ineligible ones.
 */
export interface ReplicaBalancer<R extends ReplicaEndpoint> {
  /** Choose one endpoint not in `options.exclude` (`@scaling/load-balancer`'s `PickOptions`). */
  pick(options?: PickOptions): ReplicaLease<R>;
}

/**
 * Builds the balancer for a router's replicas (called once, at construction), e.g.
 * `(replicas) => new PeakEwma({ endpoints: replicas })` from `@scaling/load-balancer`.
 */
export type ReplicaBalancerFactory<R extends ReplicaEndpoint> = (replicas: readonly R[]) => ReplicaBalancer<R>;
