/**
 * A source of uniform random numbers in [0, 1), like `Math.random`. Every randomised primitive takes
 * one so tests and simulations can be replayed exactly.
 */
export type RandomSource = () => number;

/**
 * A seeded pseudo-random source (sfc32 by Chris Doty-Humphrey, from PractRand) for reproducible tests,
 * simulations and benchmarks. Not for cryptography.
 *
 * @param seed - any 32-bit integer.
 * @returns a {@link RandomSource} producing numbers in [0, 1).
 * @example
 * ```ts
 * import { seededRandom } from '@scaling/core';
 * const random = seededRandom(42);
 * random(); // same sequence every run
 * ```
 */
export function seededRandom(seed: number): RandomSource {
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
