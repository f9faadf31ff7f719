/**
 * Retry with exponential backoff (full jitter), a `retryOn` predicate over errors and results, the server's
 * `Retry-After`, a retry budget, and respect for the deadline: no retry is scheduled when the remaining
 * deadline is shorter than the next delay.
 *
 * Sources: "Exponential Backoff And Jitter" (Marc Brooker, AWS, 2015) through core's `exponentialBackoff`;
 * retry budgets from Envoy and Finagle (see `retry-budget.ts`); gRPC's rule of not retrying past the deadline.
 */
import {
  type Backoff,
  type BackoffOptions,
  type Clock,
  exponentialBackoff,
  isScalingError,
  type RandomSource,
  systemClock,
} from '@scaling/core';
import { assertClock, assertFunction, assertNonNegativeFinite, assertOptions, Emitter } from '@scaling/core/internal';
import type { CallContext } from './_context.js';
import { sleep } from './_sleep.js';
import { DeadlineExceededError, RetryBudgetExhaustedError } from './errors.js';
import { type AnyFn, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext, type RetryContext } from './policy.js';
import { concurrencyBudget, type RetryBudget } from './retry-budget.js';

/** What an attempt produced, given to `retryOn` and `retryAfter`. */
export type RetryResult =
  | {
      /** The attempt returned a value. */
      ok: true;
      /** The value it returned. */
      value: unknown;
      /** The attempt's number, 1 for the first. */
      attempt: number;
    }
  | {
      /** The attempt threw or rejected. */
      ok: false;
      /** What it threw or rejected with. */
      error: unknown;
      /** The attempt's number, 1 for the first. */
      attempt: number;
    };

/** Options of {@link retry}. Times in milliseconds. */
export interface RetryOptions {
  /** Attempts in all, the first included: a positive integer or `Infinity`. Default 3. */
  maxAttempts?: number;
  /** Delay before retry n (1 for the first retry): a core `Backoff`, or options for `exponentialBackoff` (full jitter). Default `{ baseMs: 100, maxMs: 10_000 }` with this policy's `random`. */
  backoff?: Backoff | BackoffOptions;
  /**
   * Whether to retry after an attempt: called for every failure and, when given, every success (e.g. retry
   * an HTTP 503 response). Default: retry every error except this package's refusals (open breaker,
   * isolated breaker, full bulkhead, throttled, exhausted budget, disposed policy); never retry a result.
   */
  retryOn?: (result: RetryResult) => boolean;
  /**
   * The server's requested wait in ms (parse a `Retry-After` header with {@link parseRetryAfter}), or
   * `undefined`. The delay is the larger of this and the backoff. Default: an error's numeric `retryAfterMs` property.
   */
  retryAfter?: (result: RetryResult) => number | undefined;
  /** A requested wait longer than this is not honoured: the retry is given up. Default 60,000 ms. */
  maxRetryAfterMs?: number;
  /** The retry budget ({@link concurrencyBudget}, {@link rateBudget}, or `false` for none). Default a fresh `concurrencyBudget()` (20 %, minimum 3). */
  budget?: RetryBudget | false;
  /** Default `systemClock`. */
  clock?: Clock;
  /** For the jitter. Default `Math.random`. */
  random?: RandomSource;
}

/** Payload of the `retry` event. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  /** Wait before the next attempt, in ms (the larger of the backoff and any requested `retryAfter`). */
  delayMs: number;
  /** The failure, when it was an error. */
  error?: unknown;
}

/** Events of a {@link Retry} policy (channels `scaling:resilience:retry`, `scaling:resilience:retry-budget-exhausted`). */
export interface RetryEvents {
  [event: string]: object;
  /** An attempt failed and another is scheduled after `delayMs`. */
  retry: RetryEvent;
  /** An attempt failed (or its result asked for a retry) but the retry budget refused another, so the call gives up. */
  'retry-budget-exhausted': {
    /** The attempt that just failed (1 for the first). */
    attempt: number;
  };
}

/** Counters of a {@link Retry} policy. */
export interface RetryStats {
  /** Calls (each may make several attempts). */
  calls: number;
  /** Attempts in all. */
  attempts: number;
  /** Retries scheduled. */
  retries: number;
  /** Retries refused by the budget. */
  budgetRefusals: number;
  /** Retries not scheduled because the deadline was nearer than the delay. */
  deadlineRefusals: number;
}

/** A retry policy: the function sees `ctx.attempt`. */
export interface Retry extends ObservablePolicy<PolicyContext & RetryContext, RetryEvents> {
  /** A snapshot of the policy's counters. */
  stats(): RetryStats;
}

const NON_RETRYABLE = new Set([
  'ERR_CIRCUIT_OPEN',
  'ERR_CIRCUIT_ISOLATED',
  'ERR_BULKHEAD_REJECTED',
  'ERR_THROTTLED',
  'ERR_RETRY_BUDGET_EXHAUSTED',
  'ERR_POLICY_DISPOSED',
]);

const defaultRetryOn = (r: RetryResult): boolean => !r.ok && !(isScalingError(r.error) && NON_RETRYABLE.has(r.error.code));

const defaultRetryAfter = (r: RetryResult): number | undefined => {
  if (r.ok) return undefined;
  const v = (r.error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && v >= 0 && Number.isFinite(v) ? v : undefined;
};

const KNOWN = ['maxAttempts', 'backoff', 'retryOn', 'retryAfter', 'maxRetryAfterMs', 'budget', 'clock', 'random'];
const HINTS = {
  retries: 'use `maxAttempts` (attempts in all, the first included)',
  maxRetries: 'use `maxAttempts` (attempts in all, the first included)',
  delay: 'use `backoff: { baseMs }`',
  factor: 'use `backoff: { factor }`',
  shouldRetry: 'use `retryOn`',
};

class RetryPolicy extends PolicyBase implements Retry {
  readonly #clock: Clock;
  readonly #max: number;
  readonly #backoff: Backoff;
  readonly #retryOn: (r: RetryResult) => boolean;
  readonly #checkResults: boolean;
  readonly #retryAfter: (r: RetryResult) => number | undefined;
  readonly #maxRetryAfter: number;
  readonly #budget: RetryBudget | undefined;
  readonly #emitter: Emitter<RetryEvents>;
  #calls = 0;
  #attempts = 0;
  #retries = 0;
  #budgetRefusals = 0;
  #deadlineRefusals = 0;

  constructor(options: RetryOptions) {
    super('retry');
    assertOptions('retry', options, KNOWN, HINTS, true);
    const {
      maxAttempts = 3,
      backoff,
      retryOn,
      retryAfter = defaultRetryAfter,
      maxRetryAfterMs = 60_000,
      budget,
      clock = systemClock,
      random = Math.random,
    } = options;
    if (
      typeof maxAttempts !== 'number' ||
      !(maxAttempts === Number.POSITIVE_INFINITY || (Number.isInteger(maxAttempts) && maxAttempts >= 1))
    ) {
      throw new RangeError(`Expected \`maxAttempts\` to be a positive integer or Infinity, got ${String(maxAttempts)}`);
    }
    assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
    assertFunction('random', random);
    if (retryOn !== undefined) assertFunction('retryOn', retryOn);
    assertFunction('retryAfter', retryAfter);
    assertNonNegativeFinite('maxRetryAfterMs', maxRetryAfterMs);
    if (
      budget !== undefined &&
      budget !== false &&
      (typeof budget !== 'object' || budget === null || typeof budget.tryAcquireRetry !== 'function')
    ) {
      throw new TypeError(`Expected \`budget\` to be a RetryBudget or false, got ${budget === null ? 'null' : typeof budget}`);
    }
    if (backoff === undefined) this.#backoff = exponentialBackoff({ baseMs: 100, maxMs: 10_000, random });
    else if (typeof backoff === 'function') this.#backoff = backoff;
    else if (typeof backoff === 'object' && backoff !== null) {
      assertOptions('retry backoff', backoff, ['baseMs', 'maxMs', 'factor', 'jitter', 'random']);
      this.#backoff = exponentialBackoff({ random, ...backoff });
    } else throw new TypeError(`Expected \`backoff\` to be a function or backoff options, got ${String(backoff)}`);
    this.#clock = clock;
    this.#max = maxAttempts;
    this.#retryOn = retryOn ?? defaultRetryOn;
    this.#checkResults = retryOn !== undefined;
    this.#retryAfter = retryAfter;
    this.#maxRetryAfter = maxRetryAfterMs;
    this.#budget = budget === false ? undefined : (budget ?? concurrencyBudget());
    this.#emitter = new Emitter<RetryEvents>('resilience', ['retry', 'retry-budget-exhausted'], this);
  }

  on<K extends keyof RetryEvents & string>(event: K, listener: (payload: RetryEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof RetryEvents & string>(event: K, listener: (payload: RetryEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  stats(): RetryStats {
    return {
      calls: this.#calls,
      attempts: this.#attempts,
      retries: this.#retries,
      budgetRefusals: this.#budgetRefusals,
      deadlineRefusals: this.#deadlineRefusals,
    };
  }

  async _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    if (this._disposed) throw this._disposedError();
    this.#calls++;
    const budget = this.#budget;
    budget?.requestStarted();
    let holdsRetry = false;
    try {
      for (let attempt = 1; ; attempt++) {
        ctx.attempt = attempt;
        this.#attempts++;
        let result: RetryResult;
        try {
          const value = await invokeNext(ctx, fn, chain, i);
          if (!this.#checkResults) return value;
          result = { ok: true, value, attempt };
          if (!this.#retryOn(result)) return value;
        } catch (error) {
          ctx.lastError = error;
          result = { ok: false, error, attempt };
          if (ctx.aborted || this._disposed || !this.#retryOn(result)) throw error;
        } finally {
          if (holdsRetry) {
            holdsRetry = false;
            budget?.retryFinished();
          }
        }
        // the attempt failed (or its result asks for a retry): may we try again?
        if (attempt >= this.#max) return giveUp(result);
        let delay = this.#backoff(attempt);
        const after = this.#retryAfter(result);
        if (after !== undefined) {
          if (after > this.#maxRetryAfter) return giveUp(result);
          if (after > delay) delay = after;
        }
        if (ctx.deadline !== Number.POSITIVE_INFINITY && ctx.remainingMs <= delay) {
          this.#deadlineRefusals++;
          if (result.ok) return result.value;
          throw new DeadlineExceededError(
            `the deadline of ${ctx.timeoutMs} ms leaves no room for retry ${attempt} (next delay ${Math.round(delay)} ms)`,
            ctx.timeoutMs,
            { cause: result.error },
          );
        }
        if (budget !== undefined) {
          if (!budget.tryAcquireRetry()) {
            this.#budgetRefusals++;
            if (this.#emitter.wants('retry-budget-exhausted')) this.#emitter.emit('retry-budget-exhausted', { attempt });
            if (result.ok) return result.value;
            throw new RetryBudgetExhaustedError(`the retry budget refused retry ${attempt}`, attempt, { cause: result.error });
          }
          holdsRetry = true;
        }
        this.#retries++;
        if (this.#emitter.wants('retry')) {
          this.#emitter.emit('retry', result.ok ? { attempt, delayMs: delay } : { attempt, delayMs: delay, error: result.error });
        }
        if (delay > 0) await sleep(this.#clock, ctx, delay);
        if (this._disposed) throw this._disposedError();
      }
    } finally {
      if (holdsRetry) budget?.retryFinished();
      budget?.requestFinished();
    }
  }
}

function giveUp(result: RetryResult): unknown {
  if (result.ok) return result.value;
  throw result.error;
}

/**
 * Creates a retry policy.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { retry } from '@scaling/resilience';
 * const policy = retry({
 *   maxAttempts: 3,
 *   retryOn: (r) => (r.ok ? (r.value as Response).status === 503 : true),
 * });
 * const res = await policy.execute(({ attempt, signal }) => fetch('http://api.internal/x', { signal }));
 * ```
 */
export function retry(options: RetryOptions = {}): Retry {
  return new RetryPolicy(options);
}
