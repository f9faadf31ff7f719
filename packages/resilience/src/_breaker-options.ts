/**
 * Options of the circuit breaker and their validation: checks every option once, at construction, and resolves
 * the defaults into the plain settings the breaker runs on.
 */
import { type Clock, type RandomSource, systemClock } from '@scaling/core';
import {
  assertBoolean,
  assertClock,
  assertFunction,
  assertInRange,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
} from '@scaling/core/internal';

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
  /**
   * Record each judged call's duration (ms, by `clock`) in `stats().callDuration` (a `@scaling/core`
   * `Histogram`). Default `false`: a call then reads the clock only when `slowCallMs` is set, since two
   * clock reads per call are a measurable share of a breaker's cost on an in-process call.
   */
  recordCallDuration?: boolean;
}

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
  'recordCallDuration',
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

/** Window kinds. */
export const COUNT = 0;
export const TIME = 1;
export const CONSECUTIVE = 2;

/** Options of a circuit breaker, checked and with their defaults. */
export interface BreakerSettings {
  /** The window kind: {@link COUNT}, {@link TIME} or {@link CONSECUTIVE}. */
  readonly kind: 0 | 1 | 2;
  /** Count window: its size (0 otherwise). */
  readonly size: number;
  /** Time window: its length and slots (0 otherwise). */
  readonly durationMs: number;
  readonly buckets: number;
  /** Consecutive rule: failures in a row (0 otherwise). */
  readonly consecutive: number;
  readonly failureRatio: number;
  readonly slowCallMs: number;
  readonly slowCallRatio: number;
  readonly minimumThroughput: number;
  readonly breakDurationMs: number;
  readonly breakBackoffFactor: number;
  readonly maxBreakDurationMs: number;
  readonly breakJitter: number;
  readonly trialCalls: number;
  readonly trialTimeoutMs: number;
  readonly successRatio: number;
  readonly isFailure: (error: unknown) => boolean;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly recordCallDuration: boolean;
}

/**
 * Checks `options` and resolves their defaults.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 */
export function resolveBreakerOptions(options: CircuitBreakerOptions): BreakerSettings {
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
    recordCallDuration = false,
  } = options;
  assertBoolean('recordCallDuration', recordCallDuration);
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

  let kind: 0 | 1 | 2;
  let size = 0;
  let durationMs = 0;
  let bucketCount = 0;
  let consecutive = 0;
  if (window.type === 'count') {
    assertOptions('circuitBreaker window', window, ['type', 'size']);
    assertPositiveInteger('window.size', window.size);
    if (window.size > 1_000_000) throw new RangeError(`Expected \`window.size\` to be ≤ 1000000, got ${window.size}`);
    if (minimumThroughput > window.size) {
      throw new RangeError(`Expected \`minimumThroughput\` to be ≤ \`window.size\` (${window.size}), got ${minimumThroughput}`);
    }
    kind = COUNT;
    size = window.size;
  } else if (window.type === 'time') {
    assertOptions('circuitBreaker window', window, ['type', 'durationMs', 'buckets']);
    assertPositiveFinite('window.durationMs', window.durationMs);
    const buckets = window.buckets ?? 10;
    assertPositiveInteger('window.buckets', buckets);
    if (buckets > 1_000) throw new RangeError(`Expected \`window.buckets\` to be ≤ 1000, got ${buckets}`);
    kind = TIME;
    durationMs = window.durationMs;
    bucketCount = buckets;
  } else if (window.type === 'consecutive') {
    assertOptions('circuitBreaker window', window, ['type', 'failures']);
    assertPositiveInteger('window.failures', window.failures);
    kind = CONSECUTIVE;
    consecutive = window.failures;
  } else {
    throw new TypeError(
      `Expected \`window.type\` to be "count", "time" or "consecutive", got ${JSON.stringify((window as { type: unknown }).type)}`,
    );
  }
  return {
    kind,
    size,
    durationMs,
    buckets: bucketCount,
    consecutive,
    failureRatio,
    slowCallMs,
    slowCallRatio,
    minimumThroughput,
    breakDurationMs,
    breakBackoffFactor,
    maxBreakDurationMs,
    breakJitter,
    trialCalls: calls,
    trialTimeoutMs,
    successRatio,
    isFailure,
    clock,
    random,
    recordCallDuration,
  };
}
