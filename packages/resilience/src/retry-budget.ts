/**
 * Retry budgets: a cap on retries relative to the traffic, shared by every caller of a dependency, so that
 * when the dependency fails the retries cannot multiply its load (the "retry storm").
 *
 * - {@link concurrencyBudget} — Envoy's `retry_budget` (cluster circuit breakers): active retries may be at
 *   most `ratio` of the active requests, with a floor of `minConcurrency`.
 * - {@link rateBudget} — Finagle's `RetryBudget(ttl, minRetriesPerSec, percentCanRetry)`: over the last
 *   `ttlMs`, retries may be at most `percent` of the requests plus a reserve of `minPerSecond` per second.
 */
import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertInRange, assertNonNegativeFinite, assertOptions, assertPositiveFinite } from '@scaling/core/internal';
import { TimeBuckets } from './_time-buckets.js';

/** Counters of a {@link RetryBudget}. */
export interface RetryBudgetStats {
  /** Requests (first attempts) in flight. */
  activeRequests: number;
  /** Retries granted and not yet finished (scheduled, sleeping or running). */
  activeRetries: number;
  /** Retries granted so far. */
  granted: number;
  /** Retries refused so far. */
  refused: number;
}

/**
 * The budget interface `retry` and `hedge` call: one request brackets its retries. Share one budget between
 * the policies that call the same dependency.
 */
export interface RetryBudget {
  /** A request starts (its first attempt). */
  requestStarted(): void;
  /** That request is over (success, failure or give-up). */
  requestFinished(): void;
  /** Asks for one retry; `true` grants it (then call {@link RetryBudget.retryFinished} when it ends). */
  tryAcquireRetry(): boolean;
  /** A granted retry ended. */
  retryFinished(): void;
  /** A snapshot of the budget's gauges and counters. */
  stats(): RetryBudgetStats;
}

/** Options of {@link concurrencyBudget}. */
export interface ConcurrencyBudgetOptions {
  /** Active retries ≤ `ratio` × active requests, in [0, 1]. Default 0.2 (Envoy's 20 %). */
  ratio?: number;
  /** Active retries allowed whatever the traffic. Default 3 (Envoy's default). */
  minConcurrency?: number;
}

class ConcurrencyBudget implements RetryBudget {
  readonly #ratio: number;
  readonly #min: number;
  #requests = 0;
  #retries = 0;
  #granted = 0;
  #refused = 0;
  constructor(ratio: number, min: number) {
    this.#ratio = ratio;
    this.#min = min;
  }
  requestStarted(): void {
    this.#requests++;
  }
  requestFinished(): void {
    this.#requests--;
  }
  tryAcquireRetry(): boolean {
    const limit = Math.max(this.#min, this.#ratio * this.#requests);
    if (this.#retries + 1 > limit) {
      this.#refused++;
      return false;
    }
    this.#retries++;
    this.#granted++;
    return true;
  }
  retryFinished(): void {
    this.#retries--;
  }
  stats(): RetryBudgetStats {
    return { activeRequests: this.#requests, activeRetries: this.#retries, granted: this.#granted, refused: this.#refused };
  }
}

/**
 * Envoy-shaped retry budget: a retry is granted while active retries stay ≤ max(`minConcurrency`, `ratio` ×
 * active requests). Source: Envoy `config.cluster.v3.CircuitBreakers.Thresholds.RetryBudget`
 * (`budget_percent` 20 %, `min_retry_concurrency` 3).
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option.
 * @example
 * ```ts
 * import { concurrencyBudget, retry } from '@scaling/resilience';
 * const budget = concurrencyBudget({ ratio: 0.2, minConcurrency: 3 });
 * const policy = retry({ maxAttempts: 3, budget });
 * ```
 */
export function concurrencyBudget(options: ConcurrencyBudgetOptions = {}): RetryBudget {
  assertOptions('concurrencyBudget', options, ['ratio', 'minConcurrency'], { budgetPercent: 'use `ratio` (0–1)' }, true);
  const { ratio = 0.2, minConcurrency = 3 } = options;
  assertInRange('ratio', ratio, 0, 1);
  assertNonNegativeFinite('minConcurrency', minConcurrency);
  return new ConcurrencyBudget(ratio, minConcurrency);
}

/** Options of {@link rateBudget}. */
export interface RateBudgetOptions {
  /** The window deposits live in. Default 10,000 ms (Finagle's `ttl`). */
  ttlMs?: number;
  /** Retries allowed per second whatever the traffic. Default 10 (Finagle's `minRetriesPerSec`). */
  minPerSecond?: number;
  /** Each request earns this many retries, in [0, 1]. Default 0.2 (Finagle's `percentCanRetry`). */
  percent?: number;
  /** Default `systemClock`. */
  clock?: Clock;
}

const REQ = 0;
const RET = 1;

class RateBudget implements RetryBudget {
  readonly #clock: Clock;
  readonly #window: TimeBuckets;
  readonly #reserve: number;
  readonly #percent: number;
  #requests = 0;
  #retries = 0;
  #granted = 0;
  #refused = 0;
  constructor(clock: Clock, ttlMs: number, minPerSecond: number, percent: number) {
    this.#clock = clock;
    this.#window = new TimeBuckets(ttlMs, 10, 2);
    this.#reserve = (minPerSecond * ttlMs) / 1000;
    this.#percent = percent;
  }
  requestStarted(): void {
    this.#requests++;
    this.#window.add(this.#clock.now(), REQ);
  }
  requestFinished(): void {
    this.#requests--;
  }
  tryAcquireRetry(): boolean {
    const now = this.#clock.now();
    const w = this.#window;
    // floor: a budget holds whole retries (Finagle's token bucket withdraws whole tokens)
    const limit = Math.floor(this.#reserve + this.#percent * w.total(now, REQ) + 1e-9);
    if (w.total(now, RET) + 1 > limit) {
      this.#refused++;
      return false;
    }
    w.add(now, RET);
    this.#retries++;
    this.#granted++;
    return true;
  }
  retryFinished(): void {
    this.#retries--;
  }
  stats(): RetryBudgetStats {
    return { activeRequests: this.#requests, activeRetries: this.#retries, granted: this.#granted, refused: this.#refused };
  }
}

/**
 * Finagle-shaped retry budget: over the last `ttlMs`, retries ≤ `minPerSecond` × ttl (in seconds) + `percent`
 * × requests. Source: Finagle `com.twitter.finagle.service.RetryBudget` (defaults ttl 10 s, 10 retries/s,
 * 20 %). The window slides in 10 slots, so the ttl is honoured to within a tenth of it.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option.
 * @example
 * ```ts
 * import { rateBudget, retry } from '@scaling/resilience';
 * const policy = retry({ maxAttempts: 4, budget: rateBudget({ percent: 0.1, minPerSecond: 5 }) });
 * ```
 */
export function rateBudget(options: RateBudgetOptions = {}): RetryBudget {
  assertOptions('rateBudget', options, ['ttlMs', 'minPerSecond', 'percent', 'clock'], { percentCanRetry: 'use `percent` (0–1)' }, true);
  const { ttlMs = 10_000, minPerSecond = 10, percent = 0.2, clock = systemClock } = options;
  assertPositiveFinite('ttlMs', ttlMs);
  assertNonNegativeFinite('minPerSecond', minPerSecond);
  assertInRange('percent', percent, 0, 1);
  assertClock('clock', clock, ['now']);
  return new RateBudget(clock, ttlMs, minPerSecond, percent);
}
