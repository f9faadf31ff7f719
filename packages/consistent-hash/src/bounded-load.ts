import { assertInRange } from '@scaling/core/internal';

/** Default balance factor c of bounded loads: 1.25 (Vimeo's and HAProxy's `hash-balance-factor 125`). */
export const DEFAULT_BALANCE_FACTOR = 1.25;

/** Largest accepted balance factor. */
export const MAX_BALANCE_FACTOR = 1e6;

/**
 * Checks a bounded-loads balance factor: a number in [1, {@link MAX_BALANCE_FACTOR}].
 * @throws {TypeError}/{@link RangeError} naming `name`.
 */
export function assertBalanceFactor(name: string, value: unknown): asserts value is number {
  assertInRange(name, value, 1, MAX_BALANCE_FACTOR);
}

/**
 * The bounded-loads cap (Mirrokni, Thorup & Zadimoghaddam, SODA 2018) of a member with weight `weight`
 * out of `totalWeight`, once one more item is placed on top of `load` items: `⌈c × (load + 1) × w / W⌉`,
 * at least 1. The one formula behind {@link BoundedLoadHash} and `@scaling/load-balancer`'s bounded
 * consistent hashing (items there are active requests).
 */
export function boundedLoadCap(balanceFactor: number, load: number, weight: number, totalWeight: number): number {
  return Math.max(1, Math.ceil((balanceFactor * (load + 1) * weight) / totalWeight - 1e-9));
}
