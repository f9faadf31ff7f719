import type { RandomSource } from '@scaling/core';
import type { EndpointTable } from './_endpoint-table.js';
import type { Endpoint } from './types.js';

/** 2^30: draws are 30-bit integers. */
export const RANDOM_RANGE = 1073741824;

/**
 * The random draws of the strategies: 30 uniform bits at a time from the caller's `random`, or from xorshift32
 * (Marsaglia, 2003). Integers, not doubles, so nothing is boxed on the way out.
 */
export class RandomDraw {
  readonly #custom: RandomSource | undefined;
  #seed: number;

  constructor(custom: RandomSource | undefined) {
    this.#custom = custom;
    this.#seed = (Math.random() * 4294967296) | 0 || 1;
  }

  /** Next 30 uniform random bits as an integer in [0, 2^30). */
  bits(): number {
    if (this.#custom !== undefined) return this.#customBits();
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x;
    return x >>> 2;
  }

  #customBits(): number {
    return ((this.#custom as RandomSource)() * RANDOM_RANGE) | 0;
  }

  /**
   * A uniform integer in [0, n) for n ≤ 2^21 (exact enough for balancing). The divisor is written as a
   * literal, not as `RANDOM_RANGE`: a bundler turns module constants into `var`s, and V8 (11.x) then divides
   * for real instead of multiplying by 2^−30 (~3 ns per draw, measured).
   */
  below(n: number): number {
    return ((this.bits() * n) / 1073741824) | 0;
  }

  /** A uniform fraction in [0, 1) (30 bits); the divisor is a literal for the reason given at {@link RandomDraw.below}. */
  unit(): number {
    return this.bits() / 1073741824;
  }
}

/** A uniformly random eligible position other than `skip` (−1 for none), or −1 if there is none. */
export function randomEligible<E extends Endpoint>(
  t: EndpointTable<E>,
  rng: RandomDraw,
  exclude: ReadonlySet<string> | undefined,
  skip: number,
): number {
  const n = t.n;
  if (n === 0) return -1;
  // Cheap rejection probes first: uniform among eligible positions when one is accepted.
  for (let k = 0; k < 4; k++) {
    const p = rng.below(n);
    if (p !== skip && t.eligible(p, exclude)) return p;
  }
  let m = 0;
  for (let p = 0; p < n; p++) if (p !== skip && t.eligible(p, exclude)) m++;
  if (m === 0) return -1;
  let k = rng.below(m);
  for (let p = 0; p < n; p++) {
    if (p !== skip && t.eligible(p, exclude)) {
      if (k === 0) return p;
      k--;
    }
  }
  return -1;
}

/** {@link twoChoices} packs two positions (each below 2^22) into one number: `first + (second + 1) × PAIR`. */
const PAIR = 4194304;

/**
 * Draws two distinct random eligible positions (the "two choices" of P2C and peak EWMA; Mitzenmacher
 * 2001) and returns them packed in one number, read with {@link firstOf} and {@link secondOf}: −1 when
 * none is eligible; the second is −1 when only one is. With every endpoint in rotation and nothing
 * excluded, one 30-bit draw gives both (two for n > 256); otherwise rejection sampling among the
 * eligible ones. Small `n` keeps the packed number a small integer, so nothing is boxed.
 */
export function twoChoices<E extends Endpoint>(t: EndpointTable<E>, rng: RandomDraw, exclude: ReadonlySet<string> | undefined): number {
  const n = t.n;
  if (!t.allIn || exclude !== undefined || n < 2 || n > 256) return twoOthers(t, rng, exclude);
  const x = rng.bits();
  const a = firstOfBits(x, n);
  return a + (secondOfBits(x, n, a) + 1) * PAIR;
}

/**
 * The two-choices fast path's draw: 30 random bits when every endpoint is in rotation with equal weights and
 * none ramping (the table's `steadyEqual`), there are no pick options and 2–256 endpoints; −1 otherwise (the
 * caller takes its general path). Read the choices with {@link firstOfBits} and {@link secondOfBits}.
 */
export function steadyDraw<E extends Endpoint>(t: EndpointTable<E>, rng: RandomDraw, options: object | undefined): number {
  const n = t.n;
  return t.steadyEqual && options === undefined && n >= 2 && n <= 256 ? rng.bits() : -1;
}

/**
 * The first of two choices among `n` (2 ≤ n ≤ 256) endpoints all in rotation, from one 30-bit draw `x`: its
 * low 15 bits scaled to [0, n), integer math only (bias ≤ n / 2^15 ≤ 0.8 %). The strategies' fast paths call
 * this and {@link secondOfBits} directly, so nothing is packed and unpacked on the way.
 */
export function firstOfBits(x: number, n: number): number {
  return ((x & 0x7fff) * n) >>> 15;
}

/** The second of two choices from the same draw `x`: its high 15 bits scaled to [0, n − 1), skipping `first`. */
export function secondOfBits(x: number, n: number, first: number): number {
  const b = ((x >>> 15) * (n - 1)) >>> 15;
  return b >= first ? b + 1 : b;
}

/**
 * {@link twoChoices} out of line: over 256 endpoints in rotation, two 30-bit draws; otherwise (fewer than
 * two endpoints, some not eligible) rejection sampling among the eligible ones.
 */
function twoOthers<E extends Endpoint>(t: EndpointTable<E>, rng: RandomDraw, exclude: ReadonlySet<string> | undefined): number {
  const n = t.n;
  if (t.allIn && exclude === undefined) {
    if (n < 2) return n - 1; // one endpoint: first 0, no second; none: −1
    const a = rng.below(n);
    const b = rng.below(n - 1);
    return a + (b >= a ? b + 2 : b + 1) * PAIR;
  }
  const a = randomEligible(t, rng, exclude, -1);
  return a < 0 ? -1 : a + (randomEligible(t, rng, exclude, a) + 1) * PAIR;
}

/** The first position of a {@link twoChoices} pair (≥ 0). */
export function firstOf(pair: number): number {
  return pair & (PAIR - 1);
}

/** The second position of a {@link twoChoices} pair, or −1 when only one endpoint was eligible. */
export function secondOf(pair: number): number {
  // The literal, not `PAIR`: a bundled module constant is a `var`, and V8 divides by a `var` for real (see below()).
  return (pair - (pair & 4194303)) / 4194304 - 1;
}
