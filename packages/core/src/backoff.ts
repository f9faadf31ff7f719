import type { RandomSource } from './random.js';
import { assertFunction, assertNonNegativeFinite, assertPositiveFinite, describeValue } from './validate.js';

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
 * Returns the delay in ms before retry number `attempt` (1 for the first retry).
 */
export type Backoff = (attempt: number) => number;

/**
 * Exponential backoff with full jitter and a cap ("Exponential Backoff And Jitter", Marc Brooker, AWS
 * Architecture Blog, 2015): `delay(n) = random() × min(maxMs, baseMs × factor^(n−1))`.
 *
 * The returned function is total over numbers: an attempt below 1 counts as 1, a huge one (even `Infinity`)
 * gives the `maxMs` ceiling, and the result is always a finite number in [0, maxMs].
 *
 * @throws {TypeError}/{@link RangeError} on a bad option, naming it; the returned function throws a
 * `TypeError` for a non-number `attempt` and a `RangeError` for `NaN`.
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
  // With baseMs 0 or factor 1 the ceiling never grows; computing it would hit 0 × Infinity or 1 ** Infinity (NaN).
  const flat = baseMs === 0 || factor === 1;
  const first = Math.min(maxMs, baseMs);
  return (attempt: number): number => {
    if (typeof attempt !== 'number') throw new TypeError(`Expected \`attempt\` to be a number, got ${describeValue(attempt)}`);
    if (Number.isNaN(attempt)) throw new RangeError('Expected `attempt` to be a number ≥ 1, got NaN');
    // attempts below 1 count as the first; huge ones (up to Infinity) overflow to Infinity, capped by maxMs
    const ceiling = flat || attempt <= 1 ? first : Math.min(maxMs, baseMs * factor ** (attempt - 1));
    return jitter === 'full' ? random() * ceiling : ceiling;
  };
}
