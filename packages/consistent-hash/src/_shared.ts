import { assertNonNegativeInteger, assertPositiveFinite, describeValue } from '@scaling/core/internal';
import { DuplicateNodeError, NoNodesError } from './errors.js';

export function checkNodeName(node: unknown): asserts node is string {
  if (typeof node !== 'string') throw new TypeError(`Expected \`node\` to be a string, got ${describeValue(node)}`);
}

/** weight validation: finite > 0, and exactly 1 for unweighted algorithms. */
export function checkWeight(weight: unknown, algorithm: string, weighted: boolean): number {
  assertPositiveFinite('weight', weight);
  if (!weighted && weight !== 1) throw new RangeError(`Expected \`weight\` to be 1 (${algorithm} is unweighted), got ${weight}`);
  return weight;
}

export function checkCount(count: unknown): asserts count is number {
  assertNonNegativeInteger('count', count);
}

/** The error for a node added twice. */
export function duplicateNode(node: string): DuplicateNodeError {
  return new DuplicateNodeError(node);
}

/** The error for a lookup with no nodes. */
export function noNodes(): NoNodesError {
  return new NoNodesError();
}

export { fmix32 } from '@scaling/core/internal';

/** lexicographic order on node names (code units), the tie-break used everywhere. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (build time only: allocates). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * A reusable "seen" set over small integer ids for `getNodes`: marking is one store, and starting
 * a new set bumps an epoch instead of clearing the array (cleared only when the 32-bit epoch wraps).
 */
export class EpochMarks {
  /** `seen[id] === epoch` means `id` is in the current set. */
  seen = new Uint32Array(0);
  #epoch = 0;

  /** Make room for ids below `n` (grows to `2n`; old marks are dropped, which no live epoch can match). */
  ensure(n: number): void {
    if (this.seen.length < n) this.seen = new Uint32Array(n * 2);
  }

  /** Start a new, empty set and return the epoch that marks membership in it. */
  next(): number {
    let epoch = (this.#epoch + 1) >>> 0;
    if (epoch === 0) {
      this.seen.fill(0);
      epoch = 1;
    }
    this.#epoch = epoch;
    return epoch;
  }
}
