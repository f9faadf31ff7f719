import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/index.js';

/** The exact nearest-rank quantile: the ⌈q·n⌉-th smallest value (at least the first). */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

const config = fc.record({
  lowest: fc.constantFrom(0.001, 0.01, 1),
  highest: fc.constantFrom(1_000, 3_600_000),
  precisionBits: fc.integer({ min: 1, max: 10 }),
});
// Values inside [lowest, highest] for the smallest `lowest` and the largest `highest` above are
// generated per config below; a mix of magnitudes exercises many powers of two.
const inRange = (lowest: number, highest: number) =>
  fc.oneof(
    fc.double({ min: lowest, max: highest, noNaN: true }),
    fc.double({ min: 0, max: Math.log2(highest / lowest), noNaN: true }).map((e) => Math.min(highest, lowest * 2 ** e)),
  );
const quantiles = fc.oneof(fc.constantFrom(0, 0.5, 0.9, 0.99, 0.999, 1), fc.double({ min: 0, max: 1, noNaN: true }));
// Rounding of `value / lowest` may put a value on a bucket edge: allow a hair above the stated bound.
const SLACK = 1e-9;

describe('Histogram', () => {
  it('quantile is within relativeError of the exact nearest-rank quantile of the values in [lowest, highest]', () => {
    fc.assert(
      fc.property(
        config.chain((c) => fc.tuple(fc.constant(c), fc.array(inRange(c.lowest, c.highest), { minLength: 1, maxLength: 300 }))),
        fc.array(quantiles, { minLength: 1, maxLength: 8 }),
        ([c, values], qs) => {
          const h = new Histogram(c);
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          for (const q of qs) {
            const exact = exactQuantile(sorted, q);
            const got = h.quantile(q);
            expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * (h.relativeError + SLACK));
          }
        },
      ),
    );
  });

  it('below `lowest` the absolute error is at most lowest / 2; above `highest` the answer stays in [min, max]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 0.0099, noNaN: true }), fc.double({ min: 1_000, max: 1e12, noNaN: true })), {
          minLength: 1,
          maxLength: 100,
        }),
        quantiles,
        (values, q) => {
          const h = new Histogram({ lowest: 0.01, highest: 1_000 });
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          const exact = exactQuantile(sorted, q);
          const got = h.quantile(q);
          expect(got).toBeGreaterThanOrEqual(h.min);
          expect(got).toBeLessThanOrEqual(h.max);
          if (exact < 0.01) expect(Math.abs(got - exact)).toBeLessThanOrEqual(0.005 + SLACK);
        },
      ),
    );
  });

  it('count, sum, min and max are exact', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        const h = new Histogram();
        for (const v of values) h.record(v);
        expect(h.count).toBe(values.length);
        expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
        expect(h.min).toBe(Math.min(...values));
        expect(h.max).toBe(Math.max(...values));
      }),
    );
  });

  it('merge(other) equals recording both series in one histogram', () => {
    const values = fc.array(fc.double({ min: 0, max: 1e8, noNaN: true }), { maxLength: 100 });
    fc.assert(
      fc.property(values, values, fc.array(quantiles, { minLength: 1, maxLength: 5 }), (a, b, qs) => {
        const left = new Histogram();
        const right = new Histogram();
        const both = new Histogram();
        for (const v of a) {
          left.record(v);
          both.record(v);
        }
        for (const v of b) {
          right.record(v);
          both.record(v);
        }
        left.merge(right);
        expect(left.count).toBe(both.count);
        expect(left.min).toBe(both.min);
        expect(left.max).toBe(both.max);
        expect(left.sum).toBeCloseTo(both.sum, 6);
        for (const q of qs) expect(left.quantile(q)).toBe(both.quantile(q));
        const bucketsOf = (h: Histogram) => {
          const out: number[][] = [];
          h.forEachBucket((lo, hi, n) => out.push([lo, hi, n]));
          return out;
        };
        expect(bucketsOf(left)).toEqual(bucketsOf(both));
      }),
    );
  });

  it('memory is fixed at construction, whatever is recorded', () => {
    fc.assert(
      fc.property(config, fc.array(fc.double({ min: 0, max: 1e15, noNaN: true }), { maxLength: 500 }), (c, values) => {
        const h = new Histogram(c);
        const bytes = h.memoryBytes;
        const buckets = h.bucketCount;
        for (const v of values) h.record(v);
        h.merge(new Histogram(c));
        expect(h.memoryBytes).toBe(bytes);
        expect(h.bucketCount).toBe(buckets);
        expect(bytes).toBe(8 * buckets);
      }),
    );
  });

  it('defaults: 1 µs … 1 h in ms, 64 sub-buckets per power of two, ≤ 1/128 relative error, 16 KiB', () => {
    const h = new Histogram();
    expect(h.lowest).toBe(0.001);
    expect(h.highest).toBe(3_600_000);
    expect(h.relativeError).toBe(1 / 128);
    expect(h.memoryBytes).toBeLessThanOrEqual(16 * 1024 + 16);
  });

  it('an empty histogram answers NaN; reset forgets everything', () => {
    const h = new Histogram();
    expect(h.quantile(0.5)).toBeNaN();
    expect(h.min).toBeNaN();
    expect(h.max).toBeNaN();
    h.record(5);
    h.record(7);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.sum).toBe(0);
    expect(h.quantile(0.99)).toBeNaN();
    let buckets = 0;
    h.forEachBucket(() => buckets++);
    expect(buckets).toBe(0);
  });

  it('rejects bad values, quantiles, options and mismatched merges', () => {
    const h = new Histogram();
    expect(() => h.record(-1)).toThrow(RangeError);
    expect(() => h.record(Number.NaN)).toThrow(RangeError);
    expect(() => h.record(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(h.count).toBe(0);
    expect(() => h.quantile(1.5)).toThrow(RangeError);
    expect(() => new Histogram({ precisionBits: 0 })).toThrow(/precisionBits/);
    expect(() => new Histogram({ precisionBits: 2.5 })).toThrow(/precisionBits/);
    expect(() => new Histogram({ lowest: 10, highest: 1 })).toThrow(/highest/);
    expect(() => new Histogram({ significantFigures: 3 } as never)).toThrow(/precisionBits/);
    expect(() => h.merge(new Histogram({ precisionBits: 3 }))).toThrow(RangeError);
    expect(() => h.merge({} as never)).toThrow(TypeError);
  });
});
