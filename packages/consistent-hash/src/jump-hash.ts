import { xxHash32 } from '@scaling/core';
import { checkCount, checkNodeName, checkWeight, duplicateNode, EpochMarks, fmix32, noNodes } from './_shared.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';
import { UnsupportedRemovalError } from './errors.js';

// 2862933555777941757 = 0x27bb2ee6_87b0b0fd, the LCG multiplier of the reference implementation.
const MH = 0x27bb2ee6;
const ML = 0x87b0b0fd;
const M0 = ML & 0xffff;
const M1 = ML >>> 16;

/**
 * Jump consistent hash (Lamping & Veach 2014, "A Fast, Minimal Memory, Consistent Hash Algorithm") of a
 * 64-bit key given as two unsigned 32-bit halves: the bucket in `[0, buckets)`. Bit-exact with the paper's
 * C++ code and Guava's `Hashing.consistentHash`; the 64-bit LCG runs in 32-bit halves with 16-bit limbs,
 * no BigInt.
 *
 * @param keyHi - high 32 bits of the key (unsigned).
 * @param keyLo - low 32 bits of the key (unsigned).
 * @param buckets - number of buckets, a positive integer below 2^31.
 * @returns the bucket index.
 * @example
 * ```ts
 * import { jumpConsistentHash } from '@scaling/consistent-hash';
 * jumpConsistentHash(0, 256, 1024); // 520
 * ```
 */
export function jumpConsistentHash(keyHi: number, keyLo: number, buckets: number): number {
  let hi = keyHi | 0;
  let lo = keyLo | 0;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key × 2862933555777941757 + 1 (mod 2^64), in int32 halves:
    // high half of lo × ML from 16-bit limb products (each < 2^32, exact), low half by Math.imul.
    const a0 = lo & 0xffff;
    const a1 = lo >>> 16;
    const p00 = a0 * M0;
    const p01 = a0 * M1;
    const p10 = a1 * M0;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const mulhi = a1 * M1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
    const low32 = Math.imul(lo, ML);
    hi = (mulhi + Math.imul(hi, ML) + Math.imul(lo, MH) + (low32 === -1 ? 1 : 0)) | 0;
    lo = (low32 + 1) | 0;
    // j = (b + 1) × (2^31 / ((key >>> 33) + 1)), compared as a double so j stays a small integer
    const next = (b + 1) * (2147483648 / ((hi >>> 1) + 1));
    if (next >= buckets) break;
    j = next | 0;
  }
  return b;
}

/**
 * Jump consistent hashing over named nodes (Lamping & Veach 2014): O(ln n) time, no memory per key, and a
 * perfectly even split. String and byte keys are first hashed with xxHash32 and zero-extended to 64 bits, as Guava's
 * `HashCode.padToLong()` does for 32-bit hash codes (2^32 distinct keys is ample for bucket choice, and the
 * 32-bit hash costs a quarter of xxHash64 in JavaScript); pass 64-bit integer keys to {@link jumpConsistentHash}.
 *
 * **Buckets.** Nodes map to buckets in insertion order: the first node added is bucket 0, the next bucket 1,
 * and so on (`nodes()` lists them in bucket order). Two processes agree when they add the same nodes in the
 * same order — the mapping is defined by order, not by the set.
 *
 * **Removal.** Jump hashing can only shrink from the top: only the most recently added node (the highest
 * bucket) can be removed. Removing any other throws `ERR_UNSUPPORTED_REMOVAL`; use {@link MementoHash} for
 * arbitrary removals. Unweighted: `weight` must be 1.
 *
 * `getNodes(key, k)`: the owner, then the owners of the key under derived 64-bit keys (the key mixed with a
 * round counter), skipping nodes already chosen.
 *
 * @example
 * ```ts
 * import { JumpHash } from '@scaling/consistent-hash';
 * const jump = new JumpHash();
 * for (const shard of ['shard-0', 'shard-1', 'shard-2']) jump.addNode(shard);
 * jump.getNode('order:1234'); // one of the shards
 * jump.removeNode('shard-2'); // only the last one can go
 * ```
 */
export class JumpHash implements ConsistentHash {
  readonly #buckets: string[] = [];
  readonly #indexOf = new Map<string, number>();
  readonly #marks = new EpochMarks();

  /** Number of nodes (buckets). */
  get size(): number {
    return this.#buckets.length;
  }

  /** Node names in bucket order (bucket 0 first). */
  nodes(): string[] {
    return this.#buckets.slice();
  }

  /**
   * Appends `node` as the next bucket.
   * @throws {ScalingError} `ERR_DUPLICATE_NODE`; {@link RangeError} when `weight` is not 1.
   */
  addNode(node: string, weight = 1): void {
    checkNodeName(node);
    checkWeight(weight, 'JumpHash', false);
    if (this.#indexOf.has(node)) throw duplicateNode(node);
    this.#indexOf.set(node, this.#buckets.length);
    this.#buckets.push(node);
    this.#marks.ensure(this.#buckets.length);
  }

  /**
   * Removes `node` if it is the highest bucket; false when absent.
   * @throws {ScalingError} `ERR_UNSUPPORTED_REMOVAL` for any node but the most recently added.
   */
  removeNode(node: string): boolean {
    const index = this.#indexOf.get(node);
    if (index === undefined) return false;
    if (index !== this.#buckets.length - 1)
      throw new UnsupportedRemovalError(
        `JumpHash can only remove its highest bucket (${JSON.stringify(this.#buckets.at(-1))}), not ${JSON.stringify(node)}; use MementoHash for arbitrary removals`,
      );
    this.#buckets.pop();
    this.#indexOf.delete(node);
    return true;
  }

  /**
   * The bucket's node for `key` (xxHash32 of the key, zero-extended, then jump).
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  getNode(key: HashKey): string {
    const n = this.#buckets.length;
    if (n === 0) throw noNodes();
    return this.#buckets[jumpConsistentHash(0, xxHash32(key), n)] as string;
  }

  /** The owner, then the owners under re-mixed keys, distinct, `min(count, size)` of them. */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    const out: string[] = [];
    const n = this.#buckets.length;
    if (n === 0 || count === 0) return out;
    const want = Math.min(count, n);
    let hi = 0;
    let lo = xxHash32(key);
    const epoch = this.#marks.next();
    const seen = this.#marks.seen;
    for (let round = 0; out.length < want; round++) {
      if (round >= 4 * n + 16) {
        // vanishingly rare: fill the rest in bucket order after the last pick so the answer is complete
        for (let b = 0; out.length < want; b++) {
          if (seen[b] !== epoch) {
            seen[b] = epoch;
            out.push(this.#buckets[b] as string);
          }
        }
        break;
      }
      const b = jumpConsistentHash(hi, lo, n);
      if (seen[b] !== epoch) {
        seen[b] = epoch;
        out.push(this.#buckets[b] as string);
      }
      hi = fmix32((hi ^ 0x9e3779b9 ^ round) >>> 0);
      lo = fmix32((lo + Math.imul(round + 1, 0x85ebca6b)) >>> 0);
    }
    return out;
  }
}
