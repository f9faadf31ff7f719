import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialBackoff, seededRandom } from '../src/index.js';

describe('exponentialBackoff (full jitter, capped)', () => {
  it('stays within [0, min(maxMs, baseMs × factor^(n−1))] for any options and attempt', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0, max: 100_000, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.nat(),
        (baseMs, maxMs, factor, attempt, seed) => {
          const d = exponentialBackoff({ baseMs, maxMs, factor, random: seededRandom(seed) })(attempt);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(Math.min(maxMs, baseMs * factor ** (attempt - 1)));
        },
      ),
    );
  });

  it('is deterministic under an injected random source', () => {
    const a = exponentialBackoff({ random: seededRandom(9) });
    const b = exponentialBackoff({ random: seededRandom(9) });
    for (let n = 1; n < 20; n++) expect(a(n)).toBe(b(n));
  });

  it('without jitter gives the exact capped ceiling', () => {
    const b = exponentialBackoff({ baseMs: 100, maxMs: 1000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map(b)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('rejects bad options naming them', () => {
    expect(() => exponentialBackoff({ baseMs: -1 })).toThrow(/`baseMs`/);
    expect(() => exponentialBackoff({ maxMs: Number.NaN })).toThrow(RangeError);
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow(/`factor`/);
    expect(() => exponentialBackoff({ jitter: 'half' as never })).toThrow(/`jitter`/);
    expect(() => exponentialBackoff({ random: 3 as never })).toThrow(TypeError);
  });
});

describe('seededRandom', () => {
  it('produces numbers in [0, 1) with a mean near 0.5', () => {
    const r = seededRandom(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.01);
  });
});
