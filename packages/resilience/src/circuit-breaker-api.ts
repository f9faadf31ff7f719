import type { Histogram, Lease } from '@scaling/core';
import type { BrokenCircuitError, IsolatedCircuitError, PolicyDisposedError } from './errors.js';
import type { ObservablePolicy, PolicyContext } from './policy.js';

/** The state of a {@link CircuitBreaker}. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Payload of the `breaker-state` event. */
export interface BreakerStateEvent {
  /** The state before the transition. */
  from: BreakerState;
  /** The state after the transition. */
  to: BreakerState;
  /** Why: `'failure-ratio'`, `'slow-call-ratio'`, `'consecutive-failures'`, `'trial-failed'`, `'trial-timeout'`, `'trials-passed'`, `'break-ended'`, `'isolate'`, `'reset'`. */
  reason: string;
  /** For `to: 'open'`: the break, in ms. */
  breakMs?: number;
}

/** Events of a {@link CircuitBreaker} (channel `scaling:resilience:breaker-state`). */
export interface CircuitBreakerEvents {
  [event: string]: object;
  /** The breaker changed state. */
  'breaker-state': BreakerStateEvent;
}

/**
 * A snapshot of a {@link CircuitBreaker} (`stats()`): counters since creation, the `active` gauge, the state
 * and, with `recordCallDuration`, a latency histogram. The counters add up:
 * `calls = admitted + rejected` and `admitted = successes + failures + cancelled + staleOutcomes + active`.
 */
export interface CircuitBreakerStats {
  /** The effective state now (as {@link CircuitBreaker.state}). */
  state: BreakerState;
  /** Calls that reached the breaker (`admitted + rejected`). */
  calls: number;
  /** Calls admitted (trials included). */
  admitted: number;
  /** Calls refused with {@link BrokenCircuitError} or {@link IsolatedCircuitError}. */
  rejected: number;
  /** Admitted calls that succeeded (judged in the state that admitted them). */
  successes: number;
  /** Admitted calls that failed per `isFailure` (judged in the state that admitted them). */
  failures: number;
  /** Admitted calls that ended with no outcome (cancelled, aborted, or a lease released with `{}`). */
  cancelled: number;
  /** Outcomes ignored because they belong to an earlier state (the epoch rule). */
  staleOutcomes: number;
  /** Gauge: admitted calls whose outcome has not arrived yet. */
  active: number;
  /** Judged calls that took at least `slowCallMs` (also counted as successes or failures). */
  slowCalls: number;
  /** Half-open trials that timed out (`halfOpen.trialTimeoutMs`): a failed trial; the call itself is counted when it ends. */
  trialTimeouts: number;
  /** Times the breaker opened. */
  openings: number;
  /**
   * Durations of judged calls (`successes + failures`), in ms — recorded only with `recordCallDuration: true`
   * (empty otherwise). A copy: later calls do not change it.
   */
  callDuration: Histogram;
}

/**
 * A circuit breaker. Use `execute(fn)`, or `acquire()` → `lease.release(outcome)` around a call made elsewhere.
 */
export interface CircuitBreaker extends ObservablePolicy<PolicyContext, CircuitBreakerEvents> {
  /** The effective state now (from the clock: an elapsed break reads `'half-open'` even before any call). A getter, never a transition. */
  readonly state: BreakerState;
  /**
   * Admits one call or refuses it.
   * @returns a lease; release it with the call's core `Outcome` (`{}` for "no outcome": a cancelled call).
   * @throws {@link BrokenCircuitError} (with `retryAfterMs`) when open or out of trials; {@link IsolatedCircuitError}; {@link PolicyDisposedError}.
   */
  acquire(): Lease;
  /** Holds the breaker open until {@link CircuitBreaker.reset}. */
  isolate(): void;
  /** Closes the breaker and empties its window. */
  reset(): void;
  /** A snapshot of the breaker's state and counters. */
  stats(): CircuitBreakerStats;
}
