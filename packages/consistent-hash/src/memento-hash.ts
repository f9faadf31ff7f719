import { xxHash64 } from '@scaling/core';
import { checkCount, checkNodeName, checkWeight, duplicateNode, EpochMarks, fmix32, noNodes } from './_shared.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';
import { jumpConsistentHash } from './jump-hash.js';

/**
 * MementoHash (Coluzzi, Brocco, Antonucci, Leidi 2023, "MementoHash: A Stateful, Minimal Memory, Best
 * Performing Consistent Hash Algorithm"): jump consistent hashing plus a memory of removed buckets, so any
 * node can leave with minimal disruption — only its keys move, spread over the remaining nodes.
 *
 * Nodes are buckets: a new node takes the most recently freed bucket (restoring the state before that
 * removal) or else the next bucket after the highest. A key goes to `jump(key, b-array size)`; if that bucket
 * was removed, the key is re-hashed into the working set as it was when the bucket left, following the
 * chain of replacements. Lookup cost grows only with the removals that the key meets (O(1)-class with few
 * removals). The replacement memory is two `Int32Array`s over the bucket range (8 bytes per bucket).
 *
 * **Order-defined.** Like jump, the mapping depends on the history of adds and removes, not only on the
 * final set: two processes agree when they apply the same changes in the same order. Unweighted: `weight`
 * must be 1. String and byte keys are hashed to 64 bits with xxHash64.
 *
 * @example
 * ```ts
 * import { MementoHash } from '@scaling/consistent-hash';
 * const memento = new MementoHash();
 * for (const n of ['a', 'b', 'c', 'd']) memento.addNode(n);
 * memento.removeNode('b'); // any node; only b's keys move
 * memento.getNode('key-1'); // 'a', 'c' or 'd'
 * ```
 */
export class MementoHash implements ConsistentHash {
  /** node per bucket; '' for a removed bucket */
  #buckets: string[] = [];
  readonly #bucketOf = new Map<string, number>();
  /** replacer[b] ≥ 0 when bucket b was removed (the working-set size after its removal), else −1 */
  #replacer = new Int32Array(16).fill(-1);
  /** bucket removed before b (a stack through the removed buckets) */
  #prevRemoved = new Int32Array(16);
  #arraySize = 0;
  #lastRemoved = 0;
  #removed = 0;
  readonly #key = new Uint32Array(2);
  readonly #marks = new EpochMarks();

  /** Number of nodes (working buckets). */
  get size(): number {
    return this.#arraySize - this.#removed;
  }

  /** Node names in bucket order. */
  nodes(): string[] {
    const out: string[] = [];
    for (let b = 0; b < this.#arraySize; b++) if ((this.#replacer[b] as number) < 0) out.push(this.#buckets[b] as string);
    return out;
  }

  /**
   * Adds `node`: it takes the most recently removed bucket, or the next new one.
   * @throws {ScalingError} `ERR_DUPLICATE_NODE`; {@link RangeError} when `weight` is not 1.
   */
  addNode(node: string, weight = 1): void {
    checkNodeName(node);
    checkWeight(weight, 'MementoHash', false);
    if (this.#bucketOf.has(node)) throw duplicateNode(node);
    let bucket: number;
    if (this.#removed === 0) {
      bucket = this.#arraySize;
      this.#arraySize++;
      this.#lastRemoved = this.#arraySize;
      if (bucket >= this.#replacer.length) {
        const r = new Int32Array(this.#replacer.length * 2).fill(-1);
        r.set(this.#replacer);
        this.#replacer = r;
        const p = new Int32Array(this.#prevRemoved.length * 2);
        p.set(this.#prevRemoved);
        this.#prevRemoved = p;
      }
    } else {
      bucket = this.#lastRemoved;
      this.#lastRemoved = this.#prevRemoved[bucket] as number;
      this.#replacer[bucket] = -1;
      this.#removed--;
    }
    this.#buckets[bucket] = node;
    this.#bucketOf.set(node, bucket);
    this.#marks.ensure(this.#arraySize);
  }

  /** Removes `node` (any node); false when absent. Only its keys move. */
  removeNode(node: string): boolean {
    const bucket = this.#bucketOf.get(node);
    if (bucket === undefined) return false;
    this.#bucketOf.delete(node);
    this.#buckets[bucket] = '';
    if (this.#removed === 0 && bucket === this.#arraySize - 1) {
      // removing the top bucket with nothing remembered: plain jump shrink
      this.#arraySize--;
      this.#lastRemoved = this.#arraySize;
      return true;
    }
    this.#replacer[bucket] = this.size - 1;
    this.#prevRemoved[bucket] = this.#lastRemoved;
    this.#lastRemoved = bucket;
    this.#removed++;
    return true;
  }

  /**
   * The node of the key's bucket.
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  getNode(key: HashKey): string {
    if (this.size === 0) throw noNodes();
    const k = xxHash64(key, this.#key);
    return this.#buckets[this.#bucket(k[0] as number, k[1] as number)] as string;
  }

  /** The owner, then the owners under re-mixed keys (as {@link JumpHash}), distinct. */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    const out: string[] = [];
    const n = this.size;
    if (n === 0 || count === 0) return out;
    const want = Math.min(count, n);
    const k = xxHash64(key, this.#key);
    let hi = k[0] as number;
    let lo = k[1] as number;
    const epoch = this.#marks.next();
    const seen = this.#marks.seen;
    for (let round = 0; out.length < want; round++) {
      if (round >= 4 * n + 16) {
        for (let b = 0; out.length < want && b < this.#arraySize; b++) {
          if ((this.#replacer[b] as number) < 0 && seen[b] !== epoch) {
            seen[b] = epoch;
            out.push(this.#buckets[b] as string);
          }
        }
        break;
      }
      const b = this.#bucket(hi, lo);
      if (seen[b] !== epoch) {
        seen[b] = epoch;
        out.push(this.#buckets[b] as string);
      }
      hi = fmix32((hi ^ 0x9e3779b9 ^ round) >>> 0);
      lo = fmix32((lo + Math.imul(round + 1, 0x85ebca6b)) >>> 0);
    }
    return out;
  }

  #bucket(hi: number, lo: number): number {
    const replacer = this.#replacer;
    let b = jumpConsistentHash(hi, lo, this.#arraySize);
    let r = replacer[b] as number;
    while (r >= 0) {
      // re-hash into the working set as it was when b left: [0, r)
      b = fmix32((lo ^ fmix32((hi + Math.imul(b, 0x9e3779b1)) >>> 0)) >>> 0) % r;
      let r1 = replacer[b] as number;
      while (r1 >= r) {
        // b left before the bucket we came from: follow its replacement
        b = r1;
        r1 = replacer[b] as number;
      }
      r = r1;
    }
    return b;
  }
}
