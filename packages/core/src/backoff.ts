import type { RandomSource } from './random.js';
import { assertFunction, assertNonNegativeFinite, assertPositiveFinite } from './validate.js';

/** Options of {@link exponentialBackoff}. All times in milliseconds. */
export interface BackoffOptions {
  /** Delay ceiling before jitter for the first retry. Default 100 ms. */
  baseMs?: number;
  /** Cap on the ceiling. Default 30,000 ms. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** `'full'` (default): uniform in [0, ceiling]; `'none'`: exactly the ceiling. */
  jitter?: 'full' | 'none';
  /** Random source in [0, 1). Default `Math.random`. */
  random?: RandomSource;
}

/**
 * Returns the delay before retry number `attempt` (1 for the first retry).
 */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff with full jitter and a cap ("Exponential Backoff And Jitter", Marc Brooker, AWS
 * Architecture Blog, 2015): `delay(n) = random() × min(maxMs, baseMs × factor^(n−1))`.
 *
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it.
 * @example
 * ```ts
 * import { exponentialBackoff } from '@scaling/core';
 * const backoff = exponentialBackoff({ baseMs: 100, maxMs: 5_000 });
 * backoff(3); // uniform in [0, 400]
 * ```
 */
export function exponentialBackoff(options: BackoffOptions = {}): Backoff {
  const { baseMs = 100, maxMs = 30_000, factor = 2, jitter = 'full', random = Math.random } = options;
  assertNonNegativeFinite('baseMs', baseMs);
  assertNonNegativeFinite('maxMs', maxMs);
  assertPositiveFinite('factor', factor);
  if (factor < 1) throw new RangeError(`Expected \`factor\` to be ≥ 1, got ${factor}`);
  if (jitter !== 'full' && jitter !== 'none')
    throw new TypeError(`Expected \`jitter\` to be "full" or "none", got ${JSON.stringify(jitter)}`);
  assertFunction('random', random);
  return (attempt: number): number => {
    const n = Math.max(attempt, 1);
    const ceiling = Math.min(maxMs, baseMs * factor ** (n - 1));
    return jitter === 'full' ? random() * ceiling : ceiling;
  };
}
