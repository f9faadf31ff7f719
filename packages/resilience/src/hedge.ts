/**
 * Hedged requests: when the first attempt has not answered after a delay (fixed, or a latency quantile such
 * as the p95 of recent calls), start another, up to `maxHedges` extra, within a budget; the first success
 * wins and the others are aborted. Cuts the tail latency caused by one slow replica or a GC pause, at the
 * cost of a few percent of extra load. Only for idempotent calls.
 *
 * Source: Dean & Barroso, "The Tail at Scale" (CACM 2013); gRPC's hedging policy (`hedgingDelay`,
 * `maxAttempts`, throttled by a retry budget); Polly v8's `HedgingResilienceStrategy`.
 */
import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertInRange, assertNonNegativeFinite, assertOptions, assertPositiveInteger, Emitter } from '@scaling/core/internal';
import { CallContext } from './_context.js';
import { type AnyFn, type HedgeContext, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext } from './policy.js';
import { concurrencyBudget, type RetryBudget } from './retry-budget.js';

/** When to start a hedged attempt. */
export type HedgeDelay =
  /** A fixed delay in ms. */
  | number
  /** The `quantile` (e.g. 0.95) of the latencies of recent successful attempts; `initialMs` until `minSamples` are seen. */
  | {
      /** The latency quantile used as the delay, in (0, 1] (e.g. 0.95). */
      quantile: number;
      /** The delay until `minSamples` latencies are recorded, in ms. */
      initialMs: number;
      /** Successful attempts to record before the quantile is used (1–512, default 32). */
      minSamples?: number;
    };

/** Options of {@link hedge}. */
export interface HedgeOptions {
  /** Required. */
  delay: HedgeDelay;
  /** Extra attempts at most. Default 1. */
  maxHedges?: number;
  /** Hedges are retries for the budget. Default a fresh `concurrencyBudget({ ratio: 0.1, minConcurrency: 3 })`; `false` for none. */
  budget?: RetryBudget | false;
  /** Default `systemClock`. */
  clock?: Clock;
}

/** Events of a {@link Hedge} policy (channel `scaling:resilience:hedge`). */
export interface HedgeEvents {
  [event: string]: object;
  /** A hedged attempt was started. */
  hedge: {
    /** Index of the hedged attempt: 1 for the first hedge (0 is the primary). */
    hedge: number;
    /** The hedge delay in effect, in ms. */
    delayMs: number;
  };
}

/** Counters of a {@link Hedge} policy. */
export interface HedgeStats {
  /** Calls run through the policy, since creation. */
  calls: number;
  /** Hedged attempts started. */
  hedges: number;
  /** Calls won by a hedged attempt. */
  hedgeWins: number;
  /** Hedges the budget refused. */
  budgetRefusals: number;
  /** The current hedging delay in ms. */
  delayMs: number;
}

/** A hedging policy: the function sees `ctx.hedge` (0 for the primary). */
export interface Hedge extends ObservablePolicy<PolicyContext & HedgeContext, HedgeEvents> {
  /** A snapshot of the policy's counters. */
  stats(): HedgeStats;
}

/** The reason hedged attempts that lost are aborted with. */
function lostReason(): DOMException {
  return new DOMException('a hedged twin of this attempt already succeeded', 'AbortError');
}

const SAMPLES = 512;
const RECOMPUTE_EVERY = 32;

class HedgePolicy extends PolicyBase implements Hedge {
  readonly #clock: Clock;
  readonly #maxHedges: number;
  readonly #budget: RetryBudget | undefined;
  readonly #emitter: Emitter<HedgeEvents>;
  readonly #quantile: number;
  readonly #minSamples: number;
  #delay: number;
  readonly #samples = new Float64Array(SAMPLES);
  #sampleCount = 0;
  #calls = 0;
  #hedges = 0;
  #hedgeWins = 0;
  #budgetRefusals = 0;

  constructor(options: HedgeOptions) {
    super('hedge');
    assertOptions('hedge', options, ['delay', 'maxHedges', 'budget', 'clock'], {
      hedgingDelay: 'use `delay`',
      maxAttempts: 'use `maxHedges` (extra attempts)',
    });
    const { delay, maxHedges = 1, budget, clock = systemClock } = options;
    if (typeof delay === 'number') {
      assertNonNegativeFinite('delay', delay);
      this.#quantile = 0;
      this.#minSamples = 0;
      this.#delay = delay;
    } else if (typeof delay === 'object' && delay !== null) {
      assertOptions('hedge delay', delay, ['quantile', 'initialMs', 'minSamples']);
      assertInRange('delay.quantile', delay.quantile, Number.MIN_VALUE, 1);
      assertNonNegativeFinite('delay.initialMs', delay.initialMs);
      const minSamples = delay.minSamples ?? 32;
      assertPositiveInteger('delay.minSamples', minSamples);
      if (minSamples > SAMPLES) throw new RangeError(`Expected \`delay.minSamples\` to be ≤ ${SAMPLES}, got ${minSamples}`);
      this.#quantile = delay.quantile;
      this.#minSamples = minSamples;
      this.#delay = delay.initialMs;
    } else {
      throw new TypeError(
        `Expected \`delay\` to be a number of ms or { quantile, initialMs }, got ${delay === null ? 'null' : typeof delay}`,
      );
    }
    assertPositiveInteger('maxHedges', maxHedges);
    if (
      budget !== undefined &&
      budget !== false &&
      (typeof budget !== 'object' || budget === null || typeof budget.tryAcquireRetry !== 'function')
    ) {
      throw new TypeError(`Expected \`budget\` to be a RetryBudget or false, got ${budget === null ? 'null' : typeof budget}`);
    }
    assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
    this.#clock = clock;
    this.#maxHedges = maxHedges;
    this.#budget = budget === false ? undefined : (budget ?? concurrencyBudget({ ratio: 0.1, minConcurrency: 3 }));
    this.#emitter = new Emitter<HedgeEvents>('resilience', ['hedge'], this);
  }

  on<K extends keyof HedgeEvents & string>(event: K, listener: (payload: HedgeEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof HedgeEvents & string>(event: K, listener: (payload: HedgeEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  stats(): HedgeStats {
    return {
      calls: this.#calls,
      hedges: this.#hedges,
      hedgeWins: this.#hedgeWins,
      budgetRefusals: this.#budgetRefusals,
      delayMs: this.#delay,
    };
  }

  _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    if (this._disposed) return Promise.reject(this._disposedError());
    this.#calls++;
    return new Promise((resolve, reject) => {
      new HedgeRun(this, ctx, fn, chain, i, resolve, reject).start();
    });
  }

  get _clock(): Clock {
    return this.#clock;
  }
  get _delayMs(): number {
    return this.#delay;
  }
  get _maxHedges(): number {
    return this.#maxHedges;
  }
  get _budget(): RetryBudget | undefined {
    return this.#budget;
  }

  /** A hedge is about to start: the budget's answer. */
  _grant(index: number): boolean {
    if (this._disposed) return false;
    if (this.#budget !== undefined && !this.#budget.tryAcquireRetry()) {
      this.#budgetRefusals++;
      return false;
    }
    this.#hedges++;
    if (this.#emitter.wants('hedge')) this.#emitter.emit('hedge', { hedge: index, delayMs: this.#delay });
    return true;
  }

  _won(index: number, latencyMs: number): void {
    if (index > 0) this.#hedgeWins++;
    if (this.#quantile === 0) return;
    this.#samples[this.#sampleCount % SAMPLES] = latencyMs;
    this.#sampleCount++;
    if (this.#sampleCount >= this.#minSamples && this.#sampleCount % RECOMPUTE_EVERY === 0) {
      const n = Math.min(this.#sampleCount, SAMPLES);
      const sorted = this.#samples.slice(0, n).sort();
      this.#delay = sorted[Math.min(n - 1, Math.floor(this.#quantile * n))] as number;
    }
  }
}

/** One hedged call: its attempts, the hedge timer, and who settles first. */
class HedgeRun {
  readonly #policy: HedgePolicy;
  readonly #ctx: CallContext;
  readonly #fn: AnyFn;
  readonly #chain: readonly PolicyBase[];
  readonly #i: number;
  readonly #resolve: (v: unknown) => void;
  readonly #reject: (e: unknown) => void;
  readonly #scopes: CallContext[] = [];
  readonly #started: number[] = [];
  #pending = 0;
  #settled = false;
  #timer: object | undefined = undefined;
  #lastError: unknown = undefined;
  #heldHedges = 0;

  constructor(
    policy: HedgePolicy,
    ctx: CallContext,
    fn: AnyFn,
    chain: readonly PolicyBase[],
    i: number,
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ) {
    this.#policy = policy;
    this.#ctx = ctx;
    this.#fn = fn;
    this.#chain = chain;
    this.#i = i;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(): void {
    this.#policy._budget?.requestStarted();
    this.#launch();
    this.#arm();
  }

  #arm(): void {
    if (this.#settled || this.#scopes.length > this.#policy._maxHedges) return;
    const clock = this.#policy._clock;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.#tryHedge();
    }, this.#policy._delayMs);
  }

  #tryHedge(): void {
    if (this.#settled || this.#ctx.aborted || this.#scopes.length > this.#policy._maxHedges) return;
    if (!this.#policy._grant(this.#scopes.length)) return;
    this.#heldHedges++;
    this.#launch();
    this.#arm();
  }

  #launch(): void {
    const index = this.#scopes.length;
    const scope = new CallContext(this.#ctx);
    scope.hedge = index;
    this.#scopes.push(scope);
    this.#started.push(this.#policy._clock.now());
    this.#pending++;
    invokeNext(scope, this.#fn, this.#chain, this.#i).then(
      (v) => this.#ok(index, v),
      (e) => this.#fail(index, e),
    );
  }

  #ok(index: number, value: unknown): void {
    this.#pending--;
    (this.#scopes[index] as CallContext).finish();
    if (this.#settled) return;
    this.#policy._won(index, this.#policy._clock.now() - (this.#started[index] as number));
    this.#finish();
    // the losers are told to stop; the winner's signal is left alone (its body may still be read)
    for (let k = 0; k < this.#scopes.length; k++) if (k !== index) (this.#scopes[k] as CallContext).onAbort(lostReason());
    this.#resolve(value);
  }

  #fail(index: number, error: unknown): void {
    this.#pending--;
    (this.#scopes[index] as CallContext).finish();
    if (this.#settled) return;
    this.#lastError = error;
    this.#ctx.lastError = error;
    if (this.#pending > 0) return;
    // every attempt so far failed: hedge again at once if allowed, else give up with the last error
    if (this.#timer !== undefined) {
      this.#policy._clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const before = this.#scopes.length;
    this.#tryHedge();
    if (this.#scopes.length === before) {
      this.#finish();
      this.#reject(this.#lastError);
    }
  }

  #finish(): void {
    this.#settled = true;
    if (this.#timer !== undefined) {
      this.#policy._clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const budget = this.#policy._budget;
    if (budget !== undefined) {
      for (; this.#heldHedges > 0; this.#heldHedges--) budget.retryFinished();
      budget.requestFinished();
    }
  }
}

/**
 * Creates a hedging policy. The function must be idempotent: it may run up to `1 + maxHedges` times at once.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { hedge } from '@scaling/resilience';
 * const policy = hedge({ delay: { quantile: 0.95, initialMs: 50 }, maxHedges: 1 });
 * const row = await policy.execute(({ signal }) => fetch('http://replica.internal/item/7', { signal }));
 * ```
 */
export function hedge(options: HedgeOptions): Hedge {
  return new HedgePolicy(options);
}
