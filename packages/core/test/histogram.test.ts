import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/index.js';

describe('Histogram.clone', () => {
  it('copies options and values, and later records do not reach the copy', () => {
    const h = new Histogram({ precisionBits: 4 });
    for (const v of [0.5, 3, 90, 1200]) h.record(v);
    const c = h.clone();
    expect(c.precisionBits).toBe(4);
    expect([c.count, c.sum, c.min, c.max, c.quantile(0.5)]).toEqual([h.count, h.sum, h.min, h.max, h.quantile(0.5)]);
    h.record(5000);
    expect(c.count).toBe(4);
    expect(h.count).toBe(5);
  });
});

describe('Histogram.record index above 2^32 × lowest (the Math.log2 path)', () => {
  it('keeps the stated relative error for values far above lowest', () => {
    const h = new Histogram({ lowest: 0.001, highest: 1e9, precisionBits: 6 });
    for (const v of [4_294_967.296, 4_294_967.297, 8_589_934.591, 123_456_789, 999_999_999]) {
      h.reset();
      h.record(v);
      h.record(v * 1.001); // a second value so the quantile comes from the bucket, not only min/max clamping
      expect(Math.abs(h.quantile(0) - v)).toBeLessThanOrEqual(v * h.relativeError);
    }
  });
});
