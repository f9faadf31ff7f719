/**
 * Concurrency-limit algorithms that adapt to measured latency, after Netflix's concurrency-limits
 * (`Gradient2Limit`, `AIMDLimit`), with their published defaults. Each takes samples (round-trip time, the
 * in-flight count when the request started, whether it was dropped) and returns the new limit.
 */
import { assertInRange, assertOptions, assertPositiveFinite, assertPositiveInteger } from '@scaling/core/internal';

/** A concurrency-limit algorithm: the current limit, updated by each completed request's sample. */
export interface AdaptiveLimit {
  /** The current limit (an integer ≥ 1). */
  readonly limit: number;
  /**
   * Feeds one sample and returns the new limit.
   * @param rttMs - the request's latency in ms.
   * @param inflight - requests in flight when it started (itself included).
   * @param didDrop - whether it failed in a way that signals overload (an error or a timeout).
   */
  update(rttMs: number, inflight: number, didDrop: boolean): number;
}

/** Options of {@link Gradient2Limit} (defaults are Netflix's `Gradient2Limit.Builder`'s). */
export interface Gradient2Options {
  /** Limit before the first sample (default 20). */
  initialLimit?: number;
  /** The limit never goes below this (default 20). */
  minLimit?: number;
  /** The limit never goes above this (default 200). */
  maxLimit?: number;
  /** How much of each new estimate is taken, in (0, 1] (default 0.2). */
  smoothing?: number;
  /** Samples the long-term RTT average spans (exponential average, default 600; the first 10 are a plain mean). */
  longWindow?: number;
  /** How much the limit may grow per sample while latency stays at its long-term level (default 4). */
  queueSize?: number;
}

/**
 * Gradient2 (Netflix concurrency-limits): compares each sample's RTT with a long-term exponential average;
 * `gradient = clamp(longRtt / rtt, 0.5, 1)`, `estimate = limit × gradient + queueSize`, then
 * `limit = limit × (1 − smoothing) + estimate × smoothing`, clamped to [minLimit, maxLimit]. The limit does not
 * grow while fewer than half of it are in flight (app-limited), and the long-term average is pulled down by 10 %
 * when it exceeds twice the current RTT (recovery after a long overload).
 */
export class Gradient2Limit implements AdaptiveLimit {
  #estimate: number;
  readonly #min: number;
  readonly #max: number;
  readonly #smoothing: number;
  readonly #queueSize: number;
  readonly #factor: number;
  #longRtt = 0;
  #samples = 0;

  /** @throws {TypeError}/{@link RangeError} on an unknown option or an out-of-range value. */
  constructor(options: Gradient2Options = {}) {
    const o = assertOptions('Gradient2Limit options', options, [
      'initialLimit',
      'minLimit',
      'maxLimit',
      'smoothing',
      'longWindow',
      'queueSize',
    ]);
    this.#min = o.minLimit ?? 20;
    this.#max = o.maxLimit ?? 200;
    const initial = o.initialLimit ?? 20;
    assertPositiveInteger('minLimit', this.#min);
    assertPositiveInteger('maxLimit', this.#max);
    assertPositiveInteger('initialLimit', initial);
    if (this.#max < this.#min) throw new RangeError(`Expected \`maxLimit\` to be ≥ \`minLimit\` (${this.#min}), got ${this.#max}`);
    this.#smoothing = o.smoothing ?? 0.2;
    assertInRange('smoothing', this.#smoothing, Number.MIN_VALUE, 1);
    const window = o.longWindow ?? 600;
    assertPositiveInteger('longWindow', window);
    this.#factor = 2 / (window + 1);
    this.#queueSize = o.queueSize ?? 4;
    assertPositiveFinite('queueSize', this.#queueSize);
    this.#estimate = initial;
  }

  get limit(): number {
    return Math.max(1, Math.floor(this.#estimate));
  }

  /** The long-term RTT average in ms (0 before the first sample). */
  get longRttMs(): number {
    return this.#longRtt;
  }

  update(rttMs: number, inflight: number, _didDrop: boolean): number {
    const rtt = Math.max(rttMs, 1e-3);
    // ExpAvgMeasurement(longWindow, warmup 10): a plain mean of the first 10 samples, then an exponential average
    if (this.#samples < 10) {
      this.#samples++;
      this.#longRtt += (rtt - this.#longRtt) / this.#samples;
    } else {
      this.#longRtt = this.#longRtt * (1 - this.#factor) + rtt * this.#factor;
    }
    const longRtt = this.#longRtt;
    if (longRtt / rtt > 2) this.#longRtt = longRtt * 0.9;
    if (inflight < this.#estimate / 2) return this.limit;
    const gradient = Math.max(0.5, Math.min(1, longRtt / rtt));
    let next = this.#estimate * gradient + this.#queueSize;
    next = this.#estimate * (1 - this.#smoothing) + next * this.#smoothing;
    this.#estimate = Math.max(this.#min, Math.min(this.#max, next));
    return this.limit;
  }
}

/** Options of {@link AimdLimit} (defaults are Netflix's `AIMDLimit.Builder`'s). */
export interface AimdOptions {
  /** Limit before the first sample (default 20). */
  initialLimit?: number;
  /** The limit never goes below this (default 20). */
  minLimit?: number;
  /** The limit never goes above this (default 200). */
  maxLimit?: number;
  /** Multiplier on a drop, in [0.5, 1) (default 0.9). */
  backoffRatio?: number;
  /** A sample slower than this counts as a drop (default 5000 ms). */
  timeoutMs?: number;
}

/**
 * AIMD (Netflix concurrency-limits' `AIMDLimit`): additive increase by 1 while at least half the limit is in
 * flight, multiplicative decrease by `backoffRatio` on a drop or a sample slower than `timeoutMs`; clamped to
 * [minLimit, maxLimit].
 */
export class AimdLimit implements AdaptiveLimit {
  #limit: number;
  readonly #min: number;
  readonly #max: number;
  readonly #backoff: number;
  readonly #timeoutMs: number;

  /** @throws {TypeError}/{@link RangeError} on an unknown option or an out-of-range value. */
  constructor(options: AimdOptions = {}) {
    const o = assertOptions('AimdLimit options', options, ['initialLimit', 'minLimit', 'maxLimit', 'backoffRatio', 'timeoutMs']);
    this.#min = o.minLimit ?? 20;
    this.#max = o.maxLimit ?? 200;
    this.#limit = o.initialLimit ?? 20;
    assertPositiveInteger('minLimit', this.#min);
    assertPositiveInteger('maxLimit', this.#max);
    assertPositiveInteger('initialLimit', this.#limit);
    if (this.#max < this.#min) throw new RangeError(`Expected \`maxLimit\` to be ≥ \`minLimit\` (${this.#min}), got ${this.#max}`);
    this.#backoff = o.backoffRatio ?? 0.9;
    assertInRange('backoffRatio', this.#backoff, 0.5, 0.999_999);
    this.#timeoutMs = o.timeoutMs ?? 5000;
    assertPositiveFinite('timeoutMs', this.#timeoutMs);
  }

  get limit(): number {
    return this.#limit;
  }

  update(rttMs: number, inflight: number, didDrop: boolean): number {
    let next = this.#limit;
    if (didDrop || rttMs > this.#timeoutMs) next = Math.floor(next * this.#backoff);
    else if (inflight * 2 >= next) next = next + 1;
    this.#limit = Math.min(this.#max, Math.max(this.#min, next));
    return this.#limit;
  }
}

/** A fixed limit (no adaptation): `update` always returns it. */
export class FixedLimit implements AdaptiveLimit {
  /** The limit. */
  readonly limit: number;
  /** @throws {RangeError} unless `limit` is a positive integer. */
  constructor(limit: number) {
    assertPositiveInteger('limit', limit);
    this.limit = limit;
  }
  update(): number {
    return this.limit;
  }
}

/** Options of {@link WindowedLimit} (defaults are Netflix's `WindowedLimit.Builder`'s). */
export interface WindowedLimitOptions {
  /** Shortest window in ms (default 1000). */
  minWindowMs?: number;
  /** Longest window in ms (default 1000). */
  maxWindowMs?: number;
  /** Samples a window needs before it closes (default 10). */
  windowSize?: number;
  /** Samples faster than this (ms) are ignored (default 0.1). */
  minRttThresholdMs?: number;
  /** Time source for the windows (default `performance.now`). */
  now?: () => number;
}

/**
 * Feeds an algorithm one aggregated sample per window instead of every sample (Netflix concurrency-limits'
 * `WindowedLimit` with an average-RTT sample window): the window's mean RTT, its largest in-flight count, and
 * whether any request in it was dropped. Damps the per-sample oscillation of Gradient2 at high request rates.
 */
export class WindowedLimit implements AdaptiveLimit {
  readonly #delegate: AdaptiveLimit;
  readonly #minWindow: number;
  readonly #maxWindow: number;
  readonly #windowSize: number;
  readonly #minRtt: number;
  readonly #now: () => number;
  #windowEnd = 0;
  #sum = 0;
  #count = 0;
  #maxInflight = 0;
  #dropped = false;

  /** @throws {TypeError}/{@link RangeError} on an unknown option or an out-of-range value. */
  constructor(delegate: AdaptiveLimit, options: WindowedLimitOptions = {}) {
    const o = assertOptions('WindowedLimit options', options, ['minWindowMs', 'maxWindowMs', 'windowSize', 'minRttThresholdMs', 'now']);
    if (typeof delegate !== 'object' || delegate === null || typeof delegate.update !== 'function') {
      throw new TypeError('Expected `delegate` to be an AdaptiveLimit');
    }
    this.#delegate = delegate;
    this.#minWindow = o.minWindowMs ?? 1000;
    this.#maxWindow = o.maxWindowMs ?? 1000;
    this.#windowSize = o.windowSize ?? 10;
    this.#minRtt = o.minRttThresholdMs ?? 0.1;
    assertPositiveFinite('minWindowMs', this.#minWindow);
    assertPositiveFinite('maxWindowMs', this.#maxWindow);
    assertPositiveInteger('windowSize', this.#windowSize);
    this.#now = o.now ?? (() => performance.now());
  }

  get limit(): number {
    return this.#delegate.limit;
  }

  update(rttMs: number, inflight: number, didDrop: boolean): number {
    const now = this.#now();
    if (this.#windowEnd === 0) this.#windowEnd = now + this.#minWindow;
    if (rttMs >= this.#minRtt) {
      this.#sum += rttMs;
      this.#count++;
      if (inflight > this.#maxInflight) this.#maxInflight = inflight;
      if (didDrop) this.#dropped = true;
    }
    if (now >= this.#windowEnd && (this.#count >= this.#windowSize || now >= this.#windowEnd - this.#minWindow + this.#maxWindow)) {
      if (this.#count > 0) this.#delegate.update(this.#sum / this.#count, this.#maxInflight, this.#dropped);
      this.#sum = 0;
      this.#count = 0;
      this.#maxInflight = 0;
      this.#dropped = false;
      this.#windowEnd = now + this.#minWindow;
    }
    return this.#delegate.limit;
  }
}
