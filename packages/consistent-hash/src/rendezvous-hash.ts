import { xxHash32 } from '@scaling/core';
import { checkCount, checkNodeName, checkWeight, compareNames, duplicateNode, fmix32, noNodes } from './_shared.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';

const NODE_SEED = 0x52445a56;

/**
 * Rendezvous / highest-random-weight hashing (Thaler & Ravishankar 1998), weighted as in Schindelhauer &
 * Schomaker 2005 ("Weighted distributed hash tables"): each node scores the key with a pseudo-random
 * `u ∈ (0, 1)` and the highest `−weight / ln(u)` wins, which gives each node a share proportional to its
 * weight and moves only the keys of an added or removed node. With equal weights the raw 32-bit scores are
 * compared (no logarithm). Lookup is O(n) in the number of nodes, so prefer it for small clusters (≲ 100).
 *
 * The score hashes the key once (xxHash32) and mixes it with each node's own hash (murmur3's finaliser).
 * Ties (two equal scores) go to the lexicographically smaller name, so the result never depends on
 * insertion order.
 *
 * @example
 * ```ts
 * import { RendezvousHash } from '@scaling/consistent-hash';
 * const hrw = new RendezvousHash();
 * hrw.addNode('db-1', 1);
 * hrw.addNode('db-2', 3); // three times the keys of db-1
 * hrw.getNodes('tenant:7', 2); // owner and runner-up
 * ```
 */
export class RendezvousHash implements ConsistentHash {
  readonly #indexOf = new Map<string, number>();
  #names: string[] = [];
  #nodeHash = new Uint32Array(8);
  #weights = new Float64Array(8);
  #scores = new Float64Array(8);
  #uniform = true;

  /** Number of nodes. */
  get size(): number {
    return this.#names.length;
  }

  /** Node names (order unspecified; a fresh array). */
  nodes(): string[] {
    return this.#names.slice();
  }

  /**
   * Adds `node` with `weight` (default 1).
   * @throws {ScalingError} `ERR_DUPLICATE_NODE`; {@link RangeError} for a weight that is not finite > 0.
   */
  addNode(node: string, weight = 1): void {
    checkNodeName(node);
    checkWeight(weight, 'RendezvousHash', true);
    if (this.#indexOf.has(node)) throw duplicateNode(node);
    const i = this.#names.length;
    if (i === this.#nodeHash.length) {
      const nh = new Uint32Array(i * 2);
      nh.set(this.#nodeHash);
      this.#nodeHash = nh;
      const w = new Float64Array(i * 2);
      w.set(this.#weights);
      this.#weights = w;
      this.#scores = new Float64Array(i * 2);
    }
    this.#names.push(node);
    this.#indexOf.set(node, i);
    this.#nodeHash[i] = xxHash32(node, NODE_SEED);
    this.#weights[i] = weight;
    this.#refreshUniform();
  }

  /** Removes `node`; false when absent. */
  removeNode(node: string): boolean {
    const i = this.#indexOf.get(node);
    if (i === undefined) return false;
    const last = this.#names.length - 1;
    if (i !== last) {
      const moved = this.#names[last] as string;
      this.#names[i] = moved;
      this.#nodeHash[i] = this.#nodeHash[last] as number;
      this.#weights[i] = this.#weights[last] as number;
      this.#indexOf.set(moved, i);
    }
    this.#names.pop();
    this.#indexOf.delete(node);
    this.#refreshUniform();
    return true;
  }

  /**
   * The node with the highest score for `key`.
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  getNode(key: HashKey): string {
    const n = this.#names.length;
    if (n === 0) throw noNodes();
    const k = xxHash32(key);
    const nh = this.#nodeHash;
    const names = this.#names;
    let best = 0;
    if (this.#uniform) {
      let top = fmix32((k ^ (nh[0] as number)) >>> 0);
      for (let i = 1; i < n; i++) {
        const s = fmix32((k ^ (nh[i] as number)) >>> 0);
        if (s > top || (s === top && compareNames(names[i] as string, names[best] as string) < 0)) {
          top = s;
          best = i;
        }
      }
    } else {
      const w = this.#weights;
      let top = weightedScore(fmix32((k ^ (nh[0] as number)) >>> 0), w[0] as number);
      for (let i = 1; i < n; i++) {
        const s = weightedScore(fmix32((k ^ (nh[i] as number)) >>> 0), w[i] as number);
        if (s > top || (s === top && compareNames(names[i] as string, names[best] as string) < 0)) {
          top = s;
          best = i;
        }
      }
    }
    return names[best] as string;
  }

  /** The `min(count, size)` highest-scoring nodes, best first. */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    const n = this.#names.length;
    if (n === 0 || count === 0) return [];
    const want = Math.min(count, n);
    const k = xxHash32(key);
    const nh = this.#nodeHash;
    const w = this.#weights;
    const scores = this.#scores;
    const uniform = this.#uniform;
    for (let i = 0; i < n; i++) {
      const x = fmix32((k ^ (nh[i] as number)) >>> 0);
      scores[i] = uniform ? x : weightedScore(x, w[i] as number);
    }
    const names = this.#names;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || compareNames(names[a] as string, names[b] as string));
    const out: string[] = new Array(want);
    for (let i = 0; i < want; i++) out[i] = names[order[i] as number] as string;
    return out;
  }

  #refreshUniform(): void {
    const n = this.#names.length;
    let uniform = true;
    for (let i = 1; i < n; i++) if (this.#weights[i] !== this.#weights[0]) uniform = false;
    this.#uniform = uniform;
  }
}

/** −w / ln(u) with u = (x + 0.5) / 2^32 ∈ (0, 1). */
function weightedScore(x: number, w: number): number {
  return -w / Math.log((x + 0.5) / 4294967296);
}
