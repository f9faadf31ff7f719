import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/index.js';

describe('seededRandom seed validation', () => {
  it('seededRandom("x") throws a TypeError naming `seed` instead of seeding with 0', () => {
    expect(() => seededRandom('x' as never)).toThrow(TypeError);
    expect(() => seededRandom('x' as never)).toThrow('Expected `seed` to be an integer, got "x"');
  });

  it('seededRandom(1.5), NaN and Infinity throw a RangeError naming `seed` instead of truncating silently', () => {
    for (const seed of [1.5, Number.NaN, Number.POSITIVE_INFINITY, -0.25]) {
      expect(() => seededRandom(seed)).toThrow(RangeError);
      expect(() => seededRandom(seed)).toThrow(/Expected `seed` to be an integer/);
    }
  });

  it('any integer seed is accepted, negative and beyond 32 bits included, and replays the same sequence', () => {
    for (const seed of [0, 1, -1, 2 ** 31, 2 ** 40 + 3]) {
      const a = seededRandom(seed);
      const b = seededRandom(seed);
      for (let i = 0; i < 5; i++) expect(a()).toBe(b());
    }
  });
});
