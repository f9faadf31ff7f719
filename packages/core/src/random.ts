import { describeValue } from './validate.js';

/**
 * A source of uniform random numbers in [0, 1), like `Math.random`. Every randomised primitive takes
 * one so tests and simulations can be replayed exactly.
 */
export type RandomSource = () => number;

/**
 * A seeded pseudo-random source (sfc32 by Chris Doty-Humphrey, from PractRand) for reproducible tests,
 * simulations and benchmarks. Not for cryptography.
 *
 * @param seed - an integer; only its low 32 bits are used.
 * @returns a {@link RandomSource} producing numbers in [0, 1).
 * @throws {TypeError} when `seed` is not a number; {@link RangeError} when it is not an integer (NaN, ±Infinity,
 * fractions), which would otherwise be truncated silently.
 * @example
 * ```ts
 * import { seededRandom } from '@scaling/core';
 * const random = seededRandom(42);
 * random(); // same sequence every run
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  if (typeof seed !== 'number') throw new TypeError(`Expected \`seed\` to be an integer, got ${describeValue(seed)}`);
  if (!Number.isInteger(seed)) throw new RangeError(`Expected \`seed\` to be an integer, got ${describeValue(seed)}`);
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed | 0;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}
