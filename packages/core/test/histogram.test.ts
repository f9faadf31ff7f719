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
