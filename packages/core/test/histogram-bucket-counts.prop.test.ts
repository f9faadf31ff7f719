import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/index.js';

const SLACK = 1e-9;

describe('Histogram.bucketCounts (explicit boundaries for exporters)', () => {
  it('adds up to count, and each boundary is exact within relativeError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.double({ min: 0.001, max: 3_600_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.uniqueArray(fc.double({ min: 0.001, max: 3_600_000, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (precisionBits, values, raw) => {
          const h = new Histogram({ precisionBits });
          for (const v of values) h.record(v);
          const boundaries = [...raw].sort((a, b) => a - b);
          const counts = h.bucketCounts(boundaries);
          expect(counts).toHaveLength(boundaries.length + 1);
          expect(counts.reduce((a, b) => a + b, 0)).toBe(h.count);
          let cumulative = 0;
          for (const [j, b] of boundaries.entries()) {
            cumulative += counts[j] as number;
            const surelyBelow = values.filter((v) => v <= b * (1 - h.relativeError - SLACK)).length;
            const possiblyBelow = values.filter((v) => v < b * (1 + h.relativeError + SLACK)).length;
            expect(cumulative).toBeGreaterThanOrEqual(surelyBelow);
            expect(cumulative).toBeLessThanOrEqual(possiblyBelow);
          }
        },
      ),
    );
  });

  it('puts values above `highest` in the last interval and rejects unsorted or non-finite boundaries', () => {
    const h = new Histogram({ highest: 1_000 });
    h.record(5);
    h.record(50_000);
    expect(h.bucketCounts([10, 100_000])).toEqual([1, 0, 1]);
    expect(h.bucketCounts([])).toEqual([2]);
    expect(() => h.bucketCounts([2, 1])).toThrow(/ascending/);
    expect(() => h.bucketCounts([1, Number.POSITIVE_INFINITY])).toThrow(/index 1/);
    expect(() => h.bucketCounts('1' as never)).toThrow(/`boundaries`/);
  });
});
