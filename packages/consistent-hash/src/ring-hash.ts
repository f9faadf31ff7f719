import { xxHash32 } from '@scaling/core';
import { ketamaGroups, ketamaPoints } from './_ketama.js';
import { nodePoints, pointHash } from './_point-key.js';
import { MAX_POINTS_PER_NODE, MODE_KETAMA, MODE_XXH32, resolveRingOptions } from './_ring-options.js';
import { arcShares, mergeRanked, searchIndex, sortRanked, withoutSlots } from './_ring-points.js';
import { lowerBound } from './_search.js';
import { checkCount, checkNodeName, checkWeight, compareNames, duplicateNode, EpochMarks, noNodes } from './_shared.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';
import { ReentrantCallError } from './errors.js';

/** A 32-bit hash for ring points and keys: must return an unsigned 32-bit integer. */
export type RingHashFunction = (input: HashKey) => number;

/** Options of {@link RingHash}. */
export interface RingHashOptions {
  /**
   * Virtual nodes (points on the ring) per unit of weight; a node of weight `w` gets
   * `max(1, round(vnodes × w))` points, independent of the other nodes. Default 160, at most
   * {@link RingHash.MAX_POINTS_PER_NODE}. Ignored in ketama mode.
   */
  vnodes?: number;
  /**
   * `'xxh32'` (default): keys hash with xxHash32; points hash `UTF-8(node) ‖ u32le(i)` with xxHash64 (low 32
   * bits, build time only).
   * `'ketama'`: bit-exact with libketama (see {@link RingHash}). A function: your own 32-bit hash, called with
   * the point bytes above and with each key.
   */
  hash?: 'xxh32' | 'ketama' | RingHashFunction;
}

/**
 * Consistent hashing on a ring of virtual nodes (Karger et al. 1997, "Consistent hashing and random trees";
 * the vnode layout of libketama). Each node owns `max(1, round(vnodes × weight))` points; a key belongs to
 * the first point clockwise from the key's hash. Points live in two parallel typed arrays (`Uint32Array`
 * point, `Uint32Array` owner slot: 8 bytes per point) searched by binary search; equal points are ordered by
 * node name, so the ring never depends on insertion order. Adding a node merges its sorted points in (no
 * rehash of the others); removing one filters its points out. Only keys of the added/removed node move.
 *
 * **Ketama mode** (`hash: 'ketama'`) is bit-exact with libketama, so a ring can be shared with
 * memcached/twemproxy-era clients: per node `floorf(pct × 40 × n)` point groups where `pct` is the node's
 * weight over the total weight in float32 (libketama's rounding, 40 groups for equal weights), each group
 * `"<node>-<k>"` hashed with MD5 and split into 4 little-endian 32-bit points; a key's hash is the first 4
 * MD5 bytes read little-endian. Cost: an MD5 of the key per lookup (own MD5 code, ~5× the xxh32 mode),
 * and with unequal weights every change recomputes every node's point count as libketama does, so
 * minimal disruption holds only for equal weights. Unlike libketama, point names are not truncated at 29
 * bytes, and weights may be fractional.
 *
 * Outside ketama mode a node may own at most {@link RingHash.MAX_POINTS_PER_NODE} (2^20) points, so
 * `vnodes × weight` is bounded (a weight of 6,553.6 at the default 160 vnodes).
 *
 * @throws {RangeError} from the constructor when `vnodes` is not a positive integer or exceeds
 * {@link RingHash.MAX_POINTS_PER_NODE}.
 * @example
 * ```ts
 * import { RingHash } from '@scaling/consistent-hash';
 * const ring = new RingHash({ vnodes: 160 });
 * ring.addNode('10.0.0.1:11211');
 * ring.addNode('10.0.0.2:11211', 2); // twice the keys
 * const owner = ring.getNode('session:9f2c');
 * const replicas = ring.getNodes('session:9f2c', 2); // [owner, next distinct node clockwise]
 * ```
 */
export class RingHash implements ConsistentHash {
  /**
   * Most points one node may own outside ketama mode: 2^20 (1,048,576, about 6 MB of ring and 0.3 s of
   * hashing). `round(vnodes × weight)` above it is refused, so with the default 160 vnodes a weight may be
   * up to 6,553.6; scale weights down (only their ratios matter) or lower `vnodes`. Ketama mode gives
   * each node a share of `40 × nodes` point groups whatever the weights, so it needs no limit.
   */
  static readonly MAX_POINTS_PER_NODE: number = MAX_POINTS_PER_NODE;

  readonly #vnodes: number;
  readonly #mode: number;
  readonly #hash: RingHashFunction;
  readonly #slotOf = new Map<string, number>();
  /** node name per slot ('' for a free slot; check #slotOf for membership). */
  readonly #names: string[] = [];
  readonly #weights: number[] = [];
  /** ketama: the point groups count each slot's points were built for. */
  readonly #groups: number[] = [];
  readonly #slotPoints: Array<Uint32Array | undefined> = [];
  readonly #free: number[] = [];
  #points: Uint32Array = new Uint32Array(0);
  /** owner slot per point: 16-bit while there are < 65,536 slots (6 bytes per point), else 32-bit */
  #owners: Uint16Array | Uint32Array = new Uint16Array(0);
  /**
   * Search index: `#index[b]` is the first point whose top `32 − #shift` bits are ≥ b, so a lookup binary-searches
   * only the ~4 points of its bucket instead of the whole ring (≈ 1 byte per point).
   */
  #index: Uint32Array = new Uint32Array(2);
  #shift = 31;
  readonly #marks = new EpochMarks();
  #totalWeight = 0;
  /** changes wait here until the next lookup, so adding or removing many nodes costs one merge */
  #dirty = false;
  /** true while #flush runs (it may call the custom hash function, which must not change the ring) */
  #flushing = false;
  readonly #pendingAdd: number[] = [];
  readonly #pendingRemove: number[] = [];

  constructor(options: RingHashOptions = {}) {
    const o = resolveRingOptions(options);
    this.#vnodes = o.vnodes;
    this.#mode = o.mode;
    this.#hash = o.hash;
  }

  /** Number of nodes. */
  get size(): number {
    return this.#slotOf.size;
  }

  /**
   * Number of points on the ring (virtual nodes of all nodes, collisions included), counting changes not
   * yet applied. A getter without side effects: it computes the count, it does not rebuild the ring.
   */
  get pointCount(): number {
    if (!this.#dirty) return this.#points.length;
    let n = 0;
    if (this.#mode === MODE_KETAMA) {
      for (const slot of this.#slotOf.values())
        n += Math.max(1, ketamaGroups(this.#weights[slot] as number, this.#totalWeight, this.#slotOf.size)) * 4;
      return n;
    }
    n = this.#points.length;
    for (const slot of this.#pendingRemove) n -= this.#pointCountOf(slot);
    for (const slot of this.#pendingAdd) n += this.#pointCountOf(slot);
    return n;
  }

  /**
   * Fraction of the 32-bit hash space each node owns (the arcs ending at its points), summing to 1: the
   * expected share of keys, without sampling noise. A fresh Map; O(points).
   */
  shares(): Map<string, number> {
    if (this.#dirty) this.#flush();
    return arcShares(this.#points, this.#owners, this.#names, this.#slotOf.keys());
  }

  /** Node names in insertion order of their slots (a fresh array). */
  nodes(): string[] {
    return [...this.#slotOf.keys()];
  }

  /** The weight `node` was added with, or undefined. */
  weightOf(node: string): number | undefined {
    const slot = this.#slotOf.get(node);
    return slot === undefined ? undefined : this.#weights[slot];
  }

  /**
   * Adds `node` with `weight` (default 1): `max(1, round(vnodes × weight))` points outside ketama mode.
   * @throws {ScalingError} `ERR_DUPLICATE_NODE` when present; {@link RangeError} for a weight that is not
   * finite > 0, or (outside ketama mode) one that would give the node more than
   * {@link RingHash.MAX_POINTS_PER_NODE} points.
   */
  addNode(node: string, weight = 1): void {
    if (this.#flushing) throw reentrant('addNode');
    checkNodeName(node);
    checkWeight(weight, 'RingHash', true);
    if (this.#mode !== MODE_KETAMA && Math.round(this.#vnodes * weight) > RingHash.MAX_POINTS_PER_NODE) {
      throw new RangeError(
        `Expected \`weight\` to be at most ${RingHash.MAX_POINTS_PER_NODE / this.#vnodes} (${RingHash.MAX_POINTS_PER_NODE} points per node at ${this.#vnodes} vnodes, RingHash.MAX_POINTS_PER_NODE), got ${weight}`,
      );
    }
    if (this.#slotOf.has(node)) throw duplicateNode(node);
    const slot = this.#free.length > 0 ? (this.#free.pop() as number) : this.#names.length;
    this.#slotOf.set(node, slot);
    this.#names[slot] = node;
    this.#weights[slot] = weight;
    this.#totalWeight += weight;
    this.#marks.ensure(this.#names.length);
    if (this.#mode === MODE_KETAMA) {
      this.#groups[slot] = -1;
      this.#slotPoints[slot] = undefined;
    } else this.#pendingAdd.push(slot);
    this.#dirty = true;
  }

  /** Removes `node`; false when absent. Its points leave the ring; every other point stays. */
  removeNode(node: string): boolean {
    if (this.#flushing) throw reentrant('removeNode');
    const slot = this.#slotOf.get(node);
    if (slot === undefined) return false;
    this.#slotOf.delete(node);
    this.#names[slot] = '';
    this.#totalWeight -= this.#weights[slot] as number;
    this.#slotPoints[slot] = undefined;
    if (this.#slotOf.size === 0) this.#totalWeight = 0;
    const pending = this.#pendingAdd.indexOf(slot);
    if (pending >= 0) {
      // never merged: nothing to take off the ring
      this.#pendingAdd.splice(pending, 1);
      this.#free.push(slot);
    } else this.#pendingRemove.push(slot);
    this.#dirty = true;
    return true;
  }

  /**
   * Applies pending adds and removes: one filter pass, then one merge of all new points. A custom hash
   * function that throws leaves the ring as it was before the adds (still dirty, rebuilt by the next call);
   * one that calls back into the ring gets a `ReentrantCallError`.
   */
  #flush(): void {
    if (this.#flushing) throw reentrant('a lookup');
    this.#flushing = true;
    try {
      this.#applyPending();
      this.#dirty = false;
    } finally {
      this.#flushing = false;
    }
  }

  #applyPending(): void {
    if (this.#mode === MODE_KETAMA) {
      for (const slot of this.#pendingRemove) this.#free.push(slot);
      this.#pendingRemove.length = 0;
      this.#rebuildKetama();
      return;
    }
    if (this.#pendingRemove.length > 0) {
      const { points, owners } = withoutSlots(this.#points, this.#owners, this.#pendingRemove, this.#names.length, (n) =>
        this.#ownerArray(n),
      );
      this.#setRing(points, owners);
      for (const slot of this.#pendingRemove) this.#free.push(slot);
      this.#pendingRemove.length = 0;
    }
    const adds = this.#pendingAdd;
    if (adds.length === 0) return;
    if (adds.length === 1) {
      const slot = adds[0] as number;
      const name = this.#names[slot] as string;
      this.#merge(this.#pointsOf(name, this.#pointCountOf(slot)), new Uint32Array(1).fill(slot));
    } else {
      // sort the new points of all pending nodes at once, equal points by node name
      adds.sort((a, b) => compareNames(this.#names[a] as string, this.#names[b] as string));
      const lists = adds.map((slot) => this.#pointsOf(this.#names[slot] as string, this.#pointCountOf(slot)));
      let total = 0;
      for (const l of lists) total += l.length;
      const addPts = new Uint32Array(total);
      const addOwn = new Uint32Array(total);
      sortRanked(lists, adds, addPts, addOwn);
      this.#merge(addPts, addOwn);
    }
    adds.length = 0;
  }

  #setRing(points: Uint32Array, owners: Uint16Array | Uint32Array): void {
    this.#points = points;
    this.#owners = owners;
    const { index, shift } = searchIndex(points);
    this.#index = index;
    this.#shift = shift;
  }

  #ownerArray(n: number): Uint16Array | Uint32Array {
    return this.#names.length <= 0xffff ? new Uint16Array(n) : new Uint32Array(n);
  }

  #pointCountOf(slot: number): number {
    return Math.max(1, Math.round(this.#vnodes * (this.#weights[slot] as number)));
  }

  /**
   * The node owning `key`: the owner of the first point at or after the key's hash, wrapping around.
   * @throws {ScalingError} `ERR_NO_NODES` when the ring is empty.
   */
  getNode(key: HashKey): string {
    if (this.#dirty) this.#flush();
    const pts = this.#points;
    const n = pts.length;
    if (n === 0) throw noNodes();
    const h = this.#mode === MODE_XXH32 ? xxHash32(key) : this.#hash(key) >>> 0;
    const b = h >>> this.#shift;
    let lo = lowerBound(pts, this.#index[b] as number, this.#index[b + 1] as number, h);
    if (lo === n) lo = 0;
    return this.#names[this.#owners[lo] as number] as string;
  }

  /**
   * `min(count, size)` distinct nodes met walking clockwise from the key's position: the owner first, then
   * the replicas/fallbacks.
   * @throws {RangeError} when `count` is not a non-negative integer.
   */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    if (this.#dirty) this.#flush();
    const out: string[] = [];
    const pts = this.#points;
    const n = pts.length;
    if (n === 0 || count === 0) return out;
    const want = Math.min(count, this.#slotOf.size);
    const h = this.#mode === MODE_XXH32 ? xxHash32(key) : this.#hash(key) >>> 0;
    const b = h >>> this.#shift;
    const lo = lowerBound(pts, this.#index[b] as number, this.#index[b + 1] as number, h);
    const epoch = this.#marks.next();
    const seen = this.#marks.seen;
    for (let k = 0; k < n && out.length < want; k++) {
      let i = lo + k;
      if (i >= n) i -= n;
      const slot = this.#owners[i] as number;
      if (seen[slot] !== epoch) {
        seen[slot] = epoch;
        out.push(this.#names[slot] as string);
      }
    }
    return out;
  }

  /** Sorted points of a node in xxh32/custom mode. */
  #pointsOf(node: string, n: number): Uint32Array {
    return nodePoints(node, n, this.#mode === MODE_XXH32 ? pointHash : this.#hash);
  }

  /** Merges sorted new points (owner per point, or one owner for all) into the ring; equal points go by node name. */
  #merge(add: Uint32Array, addOwners: Uint32Array): void {
    const total = this.#points.length + add.length;
    const np = new Uint32Array(total);
    const no = this.#ownerArray(total);
    mergeRanked(this.#points, this.#owners, add, addOwners, this.#names, np, no);
    this.#setRing(np, no);
  }

  /** Ketama mode: recompute each node's point-group count as libketama does and re-sort the whole ring. */
  #rebuildKetama(): void {
    const live = [...this.#slotOf.values()];
    let total = 0;
    for (const slot of live) {
      const groups = ketamaGroups(this.#weights[slot] as number, this.#totalWeight, live.length);
      if (this.#groups[slot] !== groups || this.#slotPoints[slot] === undefined) {
        this.#groups[slot] = groups;
        this.#slotPoints[slot] = ketamaPoints(this.#names[slot] as string, groups);
      }
      total += (this.#slotPoints[slot] as Uint32Array).length;
    }
    // rank slots by name so equal points sort by name
    live.sort((a, b) => compareNames(this.#names[a] as string, this.#names[b] as string));
    const np = new Uint32Array(total);
    const no = this.#ownerArray(total);
    sortRanked(
      live.map((slot) => this.#slotPoints[slot] as Uint32Array),
      live,
      np,
      no,
    );
    this.#setRing(np, no);
  }
}

function reentrant(what: string): ReentrantCallError {
  return new ReentrantCallError(`RingHash: ${what} was called from the ring's own hash function while the ring was being rebuilt`);
}
