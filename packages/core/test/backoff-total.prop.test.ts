import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialBackoff, seededRandom } from '../src/index.js';

const options = fc.record({
  baseMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
  maxMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e9, noNaN: true })),
  factor: fc.oneof(fc.constant(1), fc.double({ min: 1, max: 1_000, noNaN: true })),
  jitter: fc.constantFrom('full' as const, 'none' as const),
});
const anyAttempt = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.integer({ min: 1_000, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noNaN: true }), // includes ±Infinity, ±0, huge and tiny values
  fc.constantFrom(2_000, 1e308, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE),
);

describe('exponentialBackoff is total over attempts', () => {
  it('exponentialBackoff({ baseMs: 0 })(2000) is 0, not NaN (0 × Infinity)', () => {
    expect(exponentialBackoff({ baseMs: 0 })(2_000)).toBe(0);
    expect(exponentialBackoff({ baseMs: 0, jitter: 'none' })(Number.POSITIVE_INFINITY)).toBe(0);
  });

  it('factor 1 with an Infinity attempt is baseMs, not NaN (1 ** Infinity)', () => {
    expect(exponentialBackoff({ baseMs: 50, factor: 1, jitter: 'none' })(Number.POSITIVE_INFINITY)).toBe(50);
  });

  it('an Infinity ceiling is capped by maxMs', () => {
    expect(exponentialBackoff({ baseMs: 100, maxMs: 5_000, jitter: 'none' })(Number.POSITIVE_INFINITY)).toBe(5_000);
    expect(exponentialBackoff({ baseMs: 100, maxMs: 5_000, jitter: 'none' })(1e9)).toBe(5_000);
  });

  it('backoff(NaN) throws a RangeError naming `attempt`; a non-number a TypeError', () => {
    const backoff = exponentialBackoff();
    expect(() => backoff(Number.NaN)).toThrow(RangeError);
    expect(() => backoff(Number.NaN)).toThrow(/`attempt`/);
    expect(() => backoff('2' as never)).toThrow(TypeError);
  });

  it('for any options and any non-NaN attempt, huge ones included, the delay is a finite number in [0, maxMs]', () => {
    fc.assert(
      fc.property(options, anyAttempt, fc.nat(), (o, attempt, seed) => {
        const d = exponentialBackoff({ ...o, random: seededRandom(seed) })(attempt);
        expect(Number.isFinite(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(o.maxMs);
        if (o.baseMs === 0) expect(d).toBe(0);
        else expect(d).toBeLessThanOrEqual(o.baseMs * (attempt > 1 && o.factor > 1 ? o.factor ** (attempt - 1) : 1));
        if (o.jitter === 'none' && attempt <= 1) expect(d).toBe(Math.min(o.maxMs, o.baseMs));
      }),
    );
  });
});
