/**
 * A log-linear latency histogram with fixed memory, HdrHistogram-style: each power of two between
 * `lowest` and `highest` is split into `2^precisionBits` equal sub-buckets.
 */
import { assertOptions } from './options.js';
import { assertInRange, assertPositiveFinite, describeValue } from './validate.js';

/** Options of {@link Histogram}. */
export interface HistogramOptions {
  /**
   * The smallest value recorded with the stated relative error (default `0.001`: 1 µs when values are
   * milliseconds). Values in `[0, lowest)` share one bucket (absolute error ≤ `lowest / 2`).
   */
  lowest?: number;
  /**
   * The largest value recorded with the stated relative error (default `3_600_000`: one hour in
   * milliseconds). Larger values are counted (and kept in `max` and `sum`) in one overflow bucket.
   */
  highest?: number;
  /**
   * Sub-buckets per power of two, as a power of two: `2^precisionBits` (an integer in [1, 12], default
   * `6` → 64 sub-buckets). The relative error of {@link Histogram.quantile} is at most
   * `2^-(precisionBits + 1)` (default 1/128 ≈ 0.78 %).
   */
  precisionBits?: number;
}

const KNOWN = ['lowest', 'highest', 'precisionBits'] as const;
const HINTS = {
  significantFigures: 'use `precisionBits` (sub-buckets per power of two, as a power of two)',
  lowestDiscernibleValue: 'use `lowest`',
  highestTrackableValue: 'use `highest`',
};
const TWO_32 = 4_294_967_296;

/**
 * A log-linear histogram of non-negative values (latencies in milliseconds, typically): fixed memory
 * (one `Float64Array` of counts, sized at construction), `record` in a few nanoseconds with no
 * allocation, mergeable, and quantiles with a stated relative error.
 *
 * Layout (after HdrHistogram, Gil Tene): bucket 0 holds `[0, lowest)`; then, for each power of two
 * `2^e` (e = 0 … ⌊log2(highest / lowest)⌋), `S = 2^precisionBits` buckets of width `lowest·2^e / S`
 * cover `[lowest·2^e, lowest·2^(e+1))`; a last bucket holds values above that range.
 *
 * **Error bound.** {@link quantile} returns the midpoint of the bucket holding the nearest-rank
 * quantile, clamped to `[min, max]`. For a value in `[lowest, highest]` a bucket is at most `1/S` of
 * its lower bound wide, so the answer is within a relative error of `2^-(precisionBits + 1)` of the
 * exact nearest-rank quantile of the recorded values; below `lowest` the absolute error is at most
 * `lowest / 2`; above the range the answer is `max` (exact for the largest value only).
 *
 * `count`, `sum`, `min` and `max` are exact.
 *
 * @example
 * ```ts
 * import { Histogram } from '@scaling/core';
 *
 * const latency = new Histogram(); // 1 µs … 1 h in ms, ≤ 0.78 % relative error
 * latency.record(12.5);
 * latency.record(80);
 * latency.quantile(0.99); // ≈ 80
 * ```
 */
export class Histogram {
  /** The options in effect (defaults filled in). */
  readonly lowest: number;
  /** See {@link HistogramOptions.highest}. */
  readonly highest: number;
  /** See {@link HistogramOptions.precisionBits}. */
  readonly precisionBits: number;
  /** The stated bound on the relative error of {@link quantile}: `2^-(precisionBits + 1)`. */
  readonly relativeError: number;

  readonly #subBuckets: number;
  readonly #maxExponent: number;
  readonly #overflowIndex: number;
  readonly #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  /**
   * @throws {TypeError} on an unknown option (with a hint for HdrHistogram's option names) or a
   *   non-number; {@link RangeError} when `lowest`/`highest` are not positive finite numbers, when
   *   `highest < lowest`, or when `precisionBits` is not an integer in [1, 12].
   */
  constructor(options?: HistogramOptions) {
    const o = assertOptions('Histogram options', options, KNOWN, HINTS, true);
    const lowest = o.lowest ?? 0.001;
    const highest = o.highest ?? 3_600_000;
    const precisionBits = o.precisionBits ?? 6;
    assertPositiveFinite('lowest', lowest);
    assertPositiveFinite('highest', highest);
    if (highest < lowest) throw new RangeError(`Expected \`highest\` to be at least \`lowest\` (${lowest}), got ${describeValue(highest)}`);
    assertInRange('precisionBits', precisionBits, 1, 12);
    if (!Number.isInteger(precisionBits))
      throw new RangeError(`Expected \`precisionBits\` to be an integer in [1, 12], got ${describeValue(precisionBits)}`);
    this.lowest = lowest;
    this.highest = highest;
    this.precisionBits = precisionBits;
    this.relativeError = 2 ** -(precisionBits + 1);
    this.#subBuckets = 2 ** precisionBits;
    this.#maxExponent = Math.floor(Math.log2(highest / lowest));
    this.#overflowIndex = 1 + (this.#maxExponent + 1) * this.#subBuckets;
    this.#counts = new Float64Array(this.#overflowIndex + 1);
  }

  /** Number of buckets (fixed at construction). */
  get bucketCount(): number {
    return this.#counts.length;
  }

  /** Bytes held by the bucket counts (fixed at construction: `8 × bucketCount`). */
  get memoryBytes(): number {
    return this.#counts.byteLength;
  }

  /** Values recorded. */
  get count(): number {
    return this.#count;
  }

  /** Sum of the values recorded (exact up to floating-point addition). */
  get sum(): number {
    return this.#sum;
  }

  /** Smallest value recorded, `NaN` when empty. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#min;
  }

  /** Largest value recorded, `NaN` when empty. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#max;
  }

  /** `sum / count`, `NaN` when empty. */
  get mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sum / this.#count;
  }

  /**
   * Records one value. No allocation.
   *
   * @throws {RangeError} when `value` is negative, NaN or infinite (nothing is recorded).
   */
  record(value: number): void {
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY))
      throw new RangeError(`Expected \`value\` to be a non-negative finite number, got ${describeValue(value)}`);
    const i = this.#indexOf(value);
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /**
   * The value at quantile `q` (nearest rank: the ⌈q·count⌉-th smallest, at least the first), within
   * {@link relativeError} of the exact one (see the class comment for values outside `[lowest,
   * highest]`). `NaN` when empty.
   *
   * @throws {RangeError} unless `q` is a number in [0, 1].
   */
  quantile(q: number): number {
    assertInRange('q', q, 0, 1);
    if (this.#count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    const counts = this.#counts;
    let seen = 0;
    let index = 0;
    for (; index < counts.length; index++) {
      seen += counts[index] as number;
      if (seen >= rank) break;
    }
    if (index >= this.#overflowIndex) return this.#max;
    const lower = this.#lowerBound(index);
    const mid = (lower + this.#lowerBound(index + 1)) / 2;
    return Math.max(this.#min, Math.min(mid, this.#max));
  }

  /**
   * Calls `fn` for each non-empty bucket in ascending order with its bounds `[lower, upper)` and its
   * count (the overflow bucket has `upper = Infinity`). For exporters (Prometheus, OpenTelemetry).
   */
  forEachBucket(fn: (lower: number, upper: number, count: number) => void): void {
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i] as number;
      if (c === 0) continue;
      fn(this.#lowerBound(i), i >= this.#overflowIndex ? Number.POSITIVE_INFINITY : this.#lowerBound(i + 1), c);
    }
  }

  /**
   * Counts per interval of a coarser, explicit bucket layout (what Prometheus `le` buckets and OpenTelemetry
   * explicit-bucket histograms need): for ascending `boundaries` b₀ < b₁ < … < bₙ₋₁ (in the recorded
   * unit), returns `n + 1` counts — `(-∞, b₀]`, `(b₀, b₁]`, …, `(bₙ₋₁, +∞)` — that add up to {@link count}.
   *
   * Each log-linear bucket is counted, whole, in the interval holding its midpoint (the overflow bucket
   * in the last interval), so a boundary is exact within {@link relativeError} (and within `lowest / 2`
   * below `lowest`): a value counted at or below `b` is below `b·(1 + relativeError)` and one counted above
   * it is at least `b·(1 − relativeError)`. No allocation besides the result; O(bucketCount + n).
   *
   * @throws {TypeError} unless `boundaries` is an array of finite numbers in strictly ascending order.
   */
  bucketCounts(boundaries: readonly number[]): number[] {
    if (!Array.isArray(boundaries))
      throw new TypeError(`Expected \`boundaries\` to be an array of numbers, got ${describeValue(boundaries)}`);
    for (let j = 0; j < boundaries.length; j++) {
      const b = boundaries[j];
      if (typeof b !== 'number' || !Number.isFinite(b) || (j > 0 && b <= (boundaries[j - 1] as number)))
        throw new TypeError(
          `Expected \`boundaries\` to be finite numbers in strictly ascending order, got ${describeValue(b)} at index ${j}`,
        );
    }
    const n = boundaries.length;
    const out = new Array<number>(n + 1).fill(0);
    const counts = this.#counts;
    const S = this.#subBuckets;
    let j = 0;
    // Bucket 0 is [0, lowest): its midpoint is lowest / 2.
    const first = counts[0] as number;
    if (first !== 0) {
      while (j < n && this.lowest / 2 > (boundaries[j] as number)) j++;
      out[j] = first;
    }
    // Then, per power of two, S buckets of equal width starting at lowest·2^e (midpoints in closed form).
    let base = this.lowest;
    for (let e = 0, i = 1; e <= this.#maxExponent; e++, base *= 2) {
      const width = base / S;
      for (let sub = 0; sub < S; sub++, i++) {
        const c = counts[i] as number;
        if (c === 0) continue;
        const mid = base + (sub + 0.5) * width;
        while (j < n && mid > (boundaries[j] as number)) j++;
        out[j] = (out[j] as number) + c;
      }
    }
    out[n] = (out[n] as number) + (counts[this.#overflowIndex] as number);
    return out;
  }

  /**
   * Adds `other`'s recorded values to this histogram: the result is the same as having recorded both
   * series here.
   *
   * @throws {TypeError} unless `other` is a {@link Histogram}; {@link RangeError} when its `lowest`,
   *   `highest` or `precisionBits` differ (the buckets would not line up).
   */
  merge(other: Histogram): void {
    if (!(other instanceof Histogram)) throw new TypeError(`Expected \`other\` to be a Histogram, got ${describeValue(other)}`);
    if (other.lowest !== this.lowest || other.highest !== this.highest || other.precisionBits !== this.precisionBits)
      throw new RangeError(
        `Expected \`other\` to have the same lowest/highest/precisionBits (${this.lowest}/${this.highest}/${this.precisionBits}), got ${other.lowest}/${other.highest}/${other.precisionBits}`,
      );
    const mine = this.#counts;
    const theirs = other.#counts;
    for (let i = 0; i < mine.length; i++) mine[i] = (mine[i] as number) + (theirs[i] as number);
    this.#count += other.#count;
    this.#sum += other.#sum;
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  /**
   * A new histogram with the same options and the same recorded values (an independent copy: what a
   * `stats()` snapshot hands out, so readers never see later records).
   */
  clone(): Histogram {
    const copy = new Histogram({ lowest: this.lowest, highest: this.highest, precisionBits: this.precisionBits });
    copy.#counts.set(this.#counts);
    copy.#count = this.#count;
    copy.#sum = this.#sum;
    copy.#min = this.#min;
    copy.#max = this.#max;
    return copy;
  }

  /** Forgets every recorded value (memory is kept). */
  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
  }

  #indexOf(value: number): number {
    const scaled = value / this.lowest;
    if (scaled < 1) return 0;
    let e: number;
    let p: number;
    if (scaled < TWO_32) {
      // floor(log2(scaled)) exactly: Math.clz32 truncates to the integer part, and powers of two are integers.
      e = 31 - Math.clz32(scaled);
      p = (1 << e) >>> 0;
    } else {
      e = Math.floor(Math.log2(scaled));
      p = 2 ** e;
      // Math.log2 may be off by one near a power of two.
      if (scaled < p) {
        e--;
        p /= 2;
      } else if (scaled >= p * 2) {
        e++;
        p *= 2;
      }
    }
    if (e > this.#maxExponent) return this.#overflowIndex;
    // scaled / p is exact (p is a power of two) and in [1, 2): the sub-bucket is in [0, S).
    return 1 + e * this.#subBuckets + (((scaled / p - 1) * this.#subBuckets) | 0);
  }

  /** Lower bound of bucket `index` (bucket 0 starts at 0; `overflowIndex` starts past the range). */
  #lowerBound(index: number): number {
    if (index === 0) return 0;
    const i = index - 1;
    const e = Math.floor(i / this.#subBuckets);
    const sub = i - e * this.#subBuckets;
    return this.lowest * 2 ** e * (1 + sub / this.#subBuckets);
  }
}
