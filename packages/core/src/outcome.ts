/**
 * The outcome and lease contracts shared by balancers, outlier detection, circuit breakers, replica
 * routers and the HTTP client, so one stream of outcomes can feed all of them.
 */

/**
 * How a call went, reported when its lease is released or its permit settled.
 *
 * - `ok` — `true` for a success, `false` for a failure. A release without `ok` (`release()` or
 *   `release({})`) means **no outcome**: the call was dropped or cancelled and must not count as a
 *   success or a failure anywhere (outlier detection, EWMA, breakers).
 * - `latencyMs` — measured duration in milliseconds; when absent, the receiver measures from its own
 *   clock where it needs a latency.
 * - `error` — the failure, when there is one (kept for diagnostics only).
 */
export interface Outcome {
  /** `true` success, `false` failure, absent: no outcome. */
  readonly ok?: boolean;
  /** Measured duration in milliseconds. */
  readonly latencyMs?: number;
  /** The failure, for diagnostics. */
  readonly error?: unknown;
}

/** A permit to use one resource (an endpoint, a replica, a breaker slot) until released. */
export interface Lease {
  /**
   * Gives the permit back and reports the outcome (see {@link Outcome}; omit it for "no outcome").
   * Idempotent: only the first call counts.
   */
  release(outcome?: Outcome): void;
}
