/**
 * Circuit breaker: stops calling a dependency that keeps failing (or keeps being slow), then probes it with a
 * bounded number of trial calls before letting traffic back.
 *
 * Windows and thresholds after resilience4j's `CircuitBreakerConfig` (count / time sliding windows,
 * failure-rate and slow-call-rate thresholds, `minimumNumberOfCalls`, permitted calls in half-open); break
 * duration backoff after Polly v8's `BreakDurationGenerator`; the epoch rule after Polly's circuit state
 * controller (only outcomes of calls admitted in the current state change it). The half-open transition is
 * announced by a timer (unref'ed) when the break ends, and `state` always reads the effective state from the
 * clock — no "open until the next call" surprise (opossum #119, #276).
 */
import { type Clock, type Lease, type Outcome, type RandomSource, systemClock } from '@scaling/core';
import {
  assertClock,
  assertFunction,
  assertInRange,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  Emitter,
} from '@scaling/core/internal';
import type { CallContext } from './_context.js';
import { TimeBuckets } from './_time-buckets.js';
import { BrokenCircuitError, IsolatedCircuitError } from './errors.js';
import { type AnyFn, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext } from './policy.js';

/** The state of a {@link CircuitBreaker}. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Which calls a closed breaker judges. */
export type BreakerWindow =
  /** The last `size` calls (resilience4j COUNT_BASED). */
  | {
      /** Count-based window. */
      type: 'count';
      /** Number of most recent calls judged (integer ≥ 1). */
      size: number;
    }
  /** The calls of the last `durationMs`, in `buckets` slots (default 10; resilience4j TIME_BASED). */
  | {
      /** Time-based window. */
      type: 'time';
      /** Length of the window, in ms. */
      durationMs: number;
      /** Slots the window is divided into (default 10). */
      buckets?: number;
    }
  /** Opens after `failures` failures in a row (slow calls count as failures); ratios and `minimumThroughput` do not apply. */
  | {
      /** Consecutive-failure rule. */
      type: 'consecutive';
      /** Failures in a row that open the breaker (integer ≥ 1). */
      failures: number;
    };

/** Half-open behaviour of a {@link CircuitBreaker}. */
export interface HalfOpenOptions {
  /** Trial calls admitted after a break; the rest fail fast. Default 1. */
  calls?: number;
  /** A trial that has not settled after this long counts as a failure. Default 30,000 ms. */
  trialTimeoutMs?: number;
  /** Share of the trials that must succeed (not slow) to close; the breaker re-opens as soon as that is out of reach. Default 1. */
  successRatio?: number;
}

/** Options of {@link circuitBreaker}. Times in milliseconds. */
export interface CircuitBreakerOptions {
  /** Default `{ type: 'count', size: 100 }`. */
  window?: BreakerWindow;
  /** Open when failures / calls in the window reach this, in (0, 1]. Default 0.5. */
  failureRatio?: number;
  /** A call at least this long is slow. Default Infinity (slow-call detection off). */
  slowCallMs?: number;
  /** Open when slow calls / calls in the window reach this, in (0, 1]. Default 1. */
  slowCallRatio?: number;
  /** Calls the window must hold before any decision (opossum #217). Default 10; at most a count window's `size`. */
  minimumThroughput?: number;
  /** First break. Default 10,000 ms. */
  breakDurationMs?: number;
  /** Each re-opening from half-open multiplies the break by this (≥ 1). Default 2. */
  breakBackoffFactor?: number;
  /** Cap on the break. Default 300,000 ms (at least `breakDurationMs`). */
  maxBreakDurationMs?: number;
  /** Shortens each break by up to this fraction at random, so many instances do not probe in step, in [0, 1]. Default 0. */
  breakJitter?: number;
  /** Half-open trials. */
  halfOpen?: HalfOpenOptions;
  /** Which errors thrown through `execute` are failures (others count as successes). Default: every error. */
  isFailure?: (error: unknown) => boolean;
  /** Default `systemClock`. */
  clock?: Clock;
  /** For `breakJitter`. Default `Math.random`. */
  random?: RandomSource;
}

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

/** Counters of a {@link CircuitBreaker}. */
export interface CircuitBreakerStats {
  /** The effective state now (as {@link CircuitBreaker.state}). */
  state: BreakerState;
  /** Calls admitted (trials included). */
  admitted: number;
  /** Calls refused with {@link BrokenCircuitError} or {@link IsolatedCircuitError}. */
  rejected: number;
  /** Admitted calls that succeeded, since creation. */
  successes: number;
  /** Admitted calls that failed (per `isFailure`) or whose trial timed out, since creation. */
  failures: number;
  /** Admitted calls that took at least `slowCallMs` (also counted as successes or failures), since creation. */
  slowCalls: number;
  /** Outcomes ignored because they belong to an earlier state (the epoch rule). */
  staleOutcomes: number;
  /** Times the breaker opened. */
  openings: number;
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

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const ISOLATED = 3;
const NAMES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

/** Outcome codes. */
const NONE = 0;
const OK = 1;
const FAIL = 2;

/** Half-open slot states. */
const FREE = 0;
const PENDING = 1;
const DONE = 2;

const KNOWN = [
  'window',
  'failureRatio',
  'slowCallMs',
  'slowCallRatio',
  'minimumThroughput',
  'breakDurationMs',
  'breakBackoffFactor',
  'maxBreakDurationMs',
  'breakJitter',
  'halfOpen',
  'isFailure',
  'clock',
  'random',
];
const HINTS = {
  errorThresholdPercentage: 'use `failureRatio` (0–1)',
  resetTimeout: 'use `breakDurationMs`',
  volumeThreshold: 'use `minimumThroughput`',
  timeout: 'compose with `timeout(ms)`',
  halfOpenAfter: 'use `breakDurationMs`',
  breaker: 'use `window: { type: "consecutive", failures }` or a ratio',
  failureRateThreshold: 'use `failureRatio` (0–1)',
  slowCallDurationThreshold: 'use `slowCallMs`',
  minimumNumberOfCalls: 'use `minimumThroughput`',
  permittedNumberOfCallsInHalfOpenState: 'use `halfOpen.calls`',
};

const everyError = (): boolean => true;

class Breaker extends PolicyBase implements CircuitBreaker {
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #emitter: Emitter<CircuitBreakerEvents>;
  readonly #isFailure: (error: unknown) => boolean;
  // configuration
  readonly #kind: 0 | 1 | 2; // count, time, consecutive
  readonly #failureRatio: number;
  readonly #slowMs: number;
  readonly #slowRatio: number;
  readonly #minThroughput: number;
  readonly #breakMs: number;
  readonly #factor: number;
  readonly #maxBreakMs: number;
  readonly #jitter: number;
  readonly #trialCalls: number;
  readonly #trialTimeoutMs: number;
  readonly #trialsNeeded: number;
  // windows
  readonly #ring: Uint8Array | undefined;
  #ringPos = 0;
  #ringFilled = 0;
  #winFailures = 0;
  #winSlow = 0;
  readonly #buckets: TimeBuckets | undefined;
  readonly #consecutiveLimit: number;
  #consecutive = 0;
  // state
  #state = CLOSED;
  #epoch = 0;
  #openUntil = 0;
  #openings = 0; // openings in a row since the last close
  #breakTimer: object | undefined = undefined;
  readonly #onBreakEnd: () => void;
  readonly #slots: Uint8Array;
  readonly #slotAdmitted: Float64Array;
  readonly #slotTimers: (object | undefined)[];
  #trialSuccesses = 0;
  #trialFailures = 0;
  /** The trial slot taken by the last admission (read right after `#admit`). */
  #lastSlot = -1;
  // counters
  #admitted = 0;
  #rejected = 0;
  #successes = 0;
  #failures = 0;
  #slowCalls = 0;
  #stale = 0;
  #openedTotal = 0;

  constructor(options: CircuitBreakerOptions) {
    super('circuit breaker');
    assertOptions('circuitBreaker', options, KNOWN, HINTS, true);
    const {
      window = { type: 'count', size: 100 },
      failureRatio = 0.5,
      slowCallMs = Number.POSITIVE_INFINITY,
      slowCallRatio = 1,
      minimumThroughput = 10,
      breakDurationMs = 10_000,
      breakBackoffFactor = 2,
      maxBreakDurationMs = Math.max(300_000, breakDurationMs),
      breakJitter = 0,
      halfOpen = {},
      isFailure = everyError,
      clock = systemClock,
      random = Math.random,
    } = options;
    assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
    assertFunction('random', random);
    assertFunction('isFailure', isFailure);
    if (typeof window !== 'object' || window === null) {
      throw new TypeError(`Expected \`window\` to be { type: 'count' | 'time' | 'consecutive', … }, got ${String(window)}`);
    }
    assertInRange('failureRatio', failureRatio, Number.MIN_VALUE, 1);
    assertInRange('slowCallRatio', slowCallRatio, Number.MIN_VALUE, 1);
    if (slowCallMs !== Number.POSITIVE_INFINITY) assertPositiveFinite('slowCallMs', slowCallMs);
    assertPositiveInteger('minimumThroughput', minimumThroughput);
    assertPositiveFinite('breakDurationMs', breakDurationMs);
    assertPositiveFinite('breakBackoffFactor', breakBackoffFactor);
    if (breakBackoffFactor < 1) throw new RangeError(`Expected \`breakBackoffFactor\` to be ≥ 1, got ${breakBackoffFactor}`);
    assertPositiveFinite('maxBreakDurationMs', maxBreakDurationMs);
    if (maxBreakDurationMs < breakDurationMs) {
      throw new RangeError(`Expected \`maxBreakDurationMs\` to be ≥ \`breakDurationMs\` (${breakDurationMs}), got ${maxBreakDurationMs}`);
    }
    assertInRange('breakJitter', breakJitter, 0, 1);
    assertOptions('circuitBreaker halfOpen', halfOpen, ['calls', 'trialTimeoutMs', 'successRatio']);
    const { calls = 1, trialTimeoutMs = 30_000, successRatio = 1 } = halfOpen;
    assertPositiveInteger('halfOpen.calls', calls);
    if (calls > 1_000) throw new RangeError(`Expected \`halfOpen.calls\` to be ≤ 1000, got ${calls}`);
    assertPositiveFinite('halfOpen.trialTimeoutMs', trialTimeoutMs);
    assertInRange('halfOpen.successRatio', successRatio, Number.MIN_VALUE, 1);

    if (window.type === 'count') {
      assertOptions('circuitBreaker window', window, ['type', 'size']);
      assertPositiveInteger('window.size', window.size);
      if (window.size > 1_000_000) throw new RangeError(`Expected \`window.size\` to be ≤ 1000000, got ${window.size}`);
      if (minimumThroughput > window.size) {
        throw new RangeError(`Expected \`minimumThroughput\` to be ≤ \`window.size\` (${window.size}), got ${minimumThroughput}`);
      }
      this.#kind = 0;
      this.#ring = new Uint8Array(window.size);
      this.#buckets = undefined;
      this.#consecutiveLimit = 0;
    } else if (window.type === 'time') {
      assertOptions('circuitBreaker window', window, ['type', 'durationMs', 'buckets']);
      assertPositiveFinite('window.durationMs', window.durationMs);
      const buckets = window.buckets ?? 10;
      assertPositiveInteger('window.buckets', buckets);
      if (buckets > 1_000) throw new RangeError(`Expected \`window.buckets\` to be ≤ 1000, got ${buckets}`);
      this.#kind = 1;
      this.#ring = undefined;
      this.#buckets = new TimeBuckets(window.durationMs, buckets, 3);
      this.#consecutiveLimit = 0;
    } else if (window.type === 'consecutive') {
      assertOptions('circuitBreaker window', window, ['type', 'failures']);
      assertPositiveInteger('window.failures', window.failures);
      this.#kind = 2;
      this.#ring = undefined;
      this.#buckets = undefined;
      this.#consecutiveLimit = window.failures;
    } else {
      throw new TypeError(
        `Expected \`window.type\` to be "count", "time" or "consecutive", got ${JSON.stringify((window as { type: unknown }).type)}`,
      );
    }
    this.#clock = clock;
    this.#random = random;
    this.#isFailure = isFailure;
    this.#failureRatio = failureRatio;
    this.#slowMs = slowCallMs;
    this.#slowRatio = slowCallRatio;
    this.#minThroughput = minimumThroughput;
    this.#breakMs = breakDurationMs;
    this.#factor = breakBackoffFactor;
    this.#maxBreakMs = maxBreakDurationMs;
    this.#jitter = breakJitter;
    this.#trialCalls = calls;
    this.#trialTimeoutMs = trialTimeoutMs;
    // the fewest successes that reach the ratio (a tiny epsilon absorbs 0.1 × 3 style rounding)
    this.#trialsNeeded = Math.max(1, Math.ceil(successRatio * calls - 1e-9));
    this.#slots = new Uint8Array(calls);
    this.#slotAdmitted = new Float64Array(calls);
    this.#slotTimers = new Array<object | undefined>(calls).fill(undefined);
    this.#emitter = new Emitter<CircuitBreakerEvents>('resilience', ['breaker-state'], this);
    this.#onBreakEnd = () => {
      this.#breakTimer = undefined;
      if (this.#state !== OPEN || this._disposed) return;
      const left = this.#openUntil - this.#clock.now();
      // a real timer may fire a fraction of a millisecond early: wait for the rest
      if (left > 0) this.#breakTimer = this.#clock.setTimeout(this.#onBreakEnd, left);
      else this.#toHalfOpen();
    };
  }

  on<K extends keyof CircuitBreakerEvents & string>(event: K, listener: (payload: CircuitBreakerEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof CircuitBreakerEvents & string>(event: K, listener: (payload: CircuitBreakerEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  get state(): BreakerState {
    const s = this.#state;
    if (s === OPEN && this.#clock.now() >= this.#openUntil) return 'half-open';
    return NAMES[s] as BreakerState;
  }

  acquire(): Lease {
    const epoch = this.#admit();
    return new BreakerPermit(this, epoch, this.#lastSlot, this.#clock.now());
  }

  isolate(): void {
    if (this._disposed) throw this._disposedError();
    const from = this.state;
    this.#leave();
    this.#state = ISOLATED;
    this.#epoch++;
    this.#emit(from, 'isolated', 'isolate', undefined);
  }

  reset(): void {
    if (this._disposed) throw this._disposedError();
    const from = this.state;
    this.#toClosed(from, 'reset');
  }

  stats(): CircuitBreakerStats {
    return {
      state: this.state,
      admitted: this.#admitted,
      rejected: this.#rejected,
      successes: this.#successes,
      failures: this.#failures,
      slowCalls: this.#slowCalls,
      staleOutcomes: this.#stale,
      openings: this.#openedTotal,
    };
  }

  override dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.#leave();
  }

  async _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    const epoch = this.#admit();
    const slot = this.#lastSlot;
    // the clock is read only when a latency matters (slow-call detection): a clock read is not free
    const timed = this.#slowMs !== Number.POSITIVE_INFINITY;
    const start = timed ? this.#clock.now() : 0;
    let value: unknown;
    try {
      value = await invokeNext(ctx, fn, chain, i);
    } catch (e) {
      // cut short by the caller (abort, its deadline, a hedged twin that won): no outcome
      if (ctx.aborted) this._record(epoch, slot, NONE, 0);
      else this._record(epoch, slot, this.#isFailure(e) ? FAIL : OK, timed ? this.#clock.now() - start : 0);
      throw e;
    }
    this._record(epoch, slot, OK, timed ? this.#clock.now() - start : 0);
    return value;
  }

  /** Admits a call: returns the epoch it belongs to (and sets `#lastSlot` for a trial), or throws. */
  #admit(): number {
    if (this.#state === CLOSED && !this._disposed) {
      this.#admitted++;
      this.#lastSlot = -1;
      return this.#epoch;
    }
    if (this._disposed) throw this._disposedError();
    const now = this.#clock.now();
    if (this.#state === OPEN) {
      if (now < this.#openUntil) {
        this.#rejected++;
        throw new BrokenCircuitError('the circuit breaker is open', this.#openUntil - now, 'open');
      }
      this.#toHalfOpen();
    }
    if (this.#state === ISOLATED) {
      this.#rejected++;
      throw new IsolatedCircuitError();
    }
    // half-open: a free trial slot, or fail fast
    const slots = this.#slots;
    let retryAfter = Number.POSITIVE_INFINITY;
    for (let s = 0; s < slots.length; s++) {
      if (slots[s] === FREE) {
        slots[s] = PENDING;
        this.#slotAdmitted[s] = now;
        const epoch = this.#epoch;
        this.#slotTimers[s] = this.#clock.setTimeout(() => this.#trialTimedOut(epoch, s), this.#trialTimeoutMs);
        this.#admitted++;
        this.#lastSlot = s;
        return epoch;
      }
      if (slots[s] === PENDING) {
        const left = (this.#slotAdmitted[s] as number) + this.#trialTimeoutMs - now;
        if (left < retryAfter) retryAfter = left;
      }
    }
    this.#rejected++;
    throw new BrokenCircuitError(
      'the circuit breaker is half-open and every trial call is taken',
      retryAfter === Number.POSITIVE_INFINITY ? 0 : Math.max(0, retryAfter),
      'half-open',
    );
  }

  #trialTimedOut(epoch: number, slot: number): void {
    this.#slotTimers[slot] = undefined;
    if (epoch !== this.#epoch || this.#state !== HALF_OPEN || this.#slots[slot] !== PENDING) return;
    this.#slots[slot] = DONE;
    this.#trialFailures++;
    this.#failures++;
    this.#judgeTrials('trial-timeout');
  }

  /** Records an outcome of a call admitted in `epoch` (`slot` ≥ 0 for a half-open trial). */
  _record(epoch: number, slot: number, code: number, latencyMs: number): void {
    if (epoch !== this.#epoch) {
      if (code !== NONE) this.#stale++;
      return;
    }
    if (code === NONE) {
      if (slot >= 0 && this.#slots[slot] === PENDING) {
        // a cancelled trial gives its slot back for another trial
        this.#clearSlotTimer(slot);
        this.#slots[slot] = FREE;
      }
      return;
    }
    const slow = latencyMs >= this.#slowMs;
    if (slow) this.#slowCalls++;
    if (code === OK) this.#successes++;
    else this.#failures++;
    const state = this.#state;
    if (state === CLOSED) {
      this.#recordClosed(code === FAIL, slow);
    } else if (state === HALF_OPEN && slot >= 0 && this.#slots[slot] === PENDING) {
      this.#clearSlotTimer(slot);
      this.#slots[slot] = DONE;
      if (code === OK && !slow) this.#trialSuccesses++;
      else this.#trialFailures++;
      this.#judgeTrials('trial-failed');
    }
  }

  #recordClosed(failed: boolean, slow: boolean): void {
    let total: number;
    let failures: number;
    let slows: number;
    if (this.#kind === 0) {
      const ring = this.#ring as Uint8Array;
      const pos = this.#ringPos;
      if (this.#ringFilled === ring.length) {
        const old = ring[pos] as number;
        this.#winFailures -= old & 1;
        this.#winSlow -= old >> 1;
      } else {
        this.#ringFilled++;
      }
      ring[pos] = (failed ? 1 : 0) | (slow ? 2 : 0);
      this.#ringPos = pos + 1 === ring.length ? 0 : pos + 1;
      if (failed) this.#winFailures++;
      if (slow) this.#winSlow++;
      total = this.#ringFilled;
      failures = this.#winFailures;
      slows = this.#winSlow;
    } else if (this.#kind === 1) {
      const b = this.#buckets as TimeBuckets;
      const now = this.#clock.now();
      b.add(now, 0);
      if (failed) b.add(now, 1);
      if (slow) b.add(now, 2);
      total = b.total(now, 0);
      failures = b.total(now, 1);
      slows = b.total(now, 2);
    } else {
      if (failed || slow) {
        if (++this.#consecutive >= this.#consecutiveLimit) this.#toOpen('closed', 'consecutive-failures');
      } else {
        this.#consecutive = 0;
      }
      return;
    }
    if (total < this.#minThroughput) return;
    if (failures >= this.#failureRatio * total) this.#toOpen('closed', 'failure-ratio');
    else if (slows >= this.#slowRatio * total) this.#toOpen('closed', 'slow-call-ratio');
  }

  #judgeTrials(failReason: string): void {
    if (this.#trialSuccesses >= this.#trialsNeeded) this.#toClosed('half-open', 'trials-passed');
    else if (this.#trialFailures > this.#trialCalls - this.#trialsNeeded) this.#toOpen('half-open', failReason);
  }

  #toOpen(from: BreakerState, reason: string): void {
    this.#leave();
    this.#openings++;
    this.#openedTotal++;
    let ms = Math.min(this.#maxBreakMs, this.#breakMs * this.#factor ** (this.#openings - 1));
    if (this.#jitter > 0) ms *= 1 - this.#jitter * this.#random();
    this.#state = OPEN;
    this.#epoch++;
    this.#openUntil = this.#clock.now() + ms;
    this.#breakTimer = this.#clock.setTimeout(this.#onBreakEnd, ms);
    this.#emit(from, 'open', reason, ms);
  }

  #toHalfOpen(): void {
    this.#leave();
    this.#state = HALF_OPEN;
    this.#epoch++;
    this.#trialSuccesses = 0;
    this.#trialFailures = 0;
    this.#slots.fill(FREE);
    this.#emit('open', 'half-open', 'break-ended', undefined);
  }

  #toClosed(from: BreakerState, reason: string): void {
    this.#leave();
    this.#state = CLOSED;
    this.#epoch++;
    this.#openings = 0;
    this.#ringPos = 0;
    this.#ringFilled = 0;
    this.#winFailures = 0;
    this.#winSlow = 0;
    this.#ring?.fill(0);
    this.#buckets?.clear();
    this.#consecutive = 0;
    this.#emit(from, 'closed', reason, undefined);
  }

  /** Stops the timers of the state being left. */
  #leave(): void {
    if (this.#breakTimer !== undefined) {
      this.#clock.clearTimeout(this.#breakTimer);
      this.#breakTimer = undefined;
    }
    for (let s = 0; s < this.#slotTimers.length; s++) this.#clearSlotTimer(s);
  }

  #clearSlotTimer(s: number): void {
    const t = this.#slotTimers[s];
    if (t !== undefined) {
      this.#clock.clearTimeout(t);
      this.#slotTimers[s] = undefined;
    }
  }

  #emit(from: BreakerState, to: BreakerState, reason: string, breakMs: number | undefined): void {
    if (!this.#emitter.wants('breaker-state')) return;
    this.#emitter.emit('breaker-state', breakMs === undefined ? { from, to, reason } : { from, to, reason, breakMs });
  }

  /** For permits: the clock. */
  _now(): number {
    return this.#clock.now();
  }
}

/** The lease `acquire()` returns. */
class BreakerPermit implements Lease {
  #breaker: Breaker | undefined;
  readonly #epoch: number;
  readonly #slot: number;
  readonly #start: number;
  constructor(breaker: Breaker, epoch: number, slot: number, start: number) {
    this.#breaker = breaker;
    this.#epoch = epoch;
    this.#slot = slot;
    this.#start = start;
  }
  release(outcome?: Outcome): void {
    const b = this.#breaker;
    if (b === undefined) return;
    this.#breaker = undefined;
    const ok = outcome?.ok;
    const code = ok === true ? OK : ok === false ? FAIL : NONE;
    const latency = outcome?.latencyMs ?? b._now() - this.#start;
    b._record(this.#epoch, this.#slot, code, latency);
  }
}

/**
 * Creates a circuit breaker.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { circuitBreaker } from '@scaling/resilience';
 * const breaker = circuitBreaker({ window: { type: 'count', size: 20 }, failureRatio: 0.5, minimumThroughput: 10, breakDurationMs: 5_000 });
 * breaker.on('breaker-state', ({ from, to }) => console.log(`breaker ${from} → ${to}`));
 * const user = await breaker.execute(() => fetch('http://users.internal/42').then((r) => r.json()));
 * ```
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  return new Breaker(options);
}
