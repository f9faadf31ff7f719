import { compareNames } from './_shared.js';

/**
 * Building blocks of a ring's sorted point arrays: merging point lists of several nodes in one sort, and the
 * bucket index that narrows each lookup's binary search to a few points.
 */

/**
 * Sorts the points of several nodes at once, equal points ordered by the nodes' order in `lists` (callers
 * pass the lists ranked by node name): each (point, rank) is packed into one exact double and the doubles
 * are sorted. Fills `points` and `owners` (`owners[i] = slots[rank]`), both of length Σ list lengths.
 */
export function sortRanked(
  lists: readonly Uint32Array[],
  slots: readonly number[],
  points: Uint32Array,
  owners: Uint16Array | Uint32Array,
): void {
  const packed = new Float64Array(points.length);
  let k = 0;
  for (let r = 0; r < lists.length; r++) {
    const pts = lists[r] as Uint32Array;
    for (let i = 0; i < pts.length; i++) packed[k++] = (pts[i] as number) * 2097152 + r;
  }
  packed.sort();
  for (let i = 0; i < packed.length; i++) {
    const v = packed[i] as number;
    const r = v % 2097152;
    points[i] = (v - r) / 2097152;
    owners[i] = slots[r] as number;
  }
}

/**
 * Merges the sorted points `add` (owner per point, or one owner for all when `addOwners` has one entry)
 * into the sorted ring `pts`/`own`, writing `np`/`no`; equal points go by node name (`names[slot]`).
 */
export function mergeRanked(
  pts: Uint32Array,
  own: Uint16Array | Uint32Array,
  add: Uint32Array,
  addOwners: Uint32Array,
  names: readonly string[],
  np: Uint32Array,
  no: Uint16Array | Uint32Array,
): void {
  const single = addOwners.length === 1;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < pts.length && j < add.length) {
    const a = pts[i] as number;
    const b = add[j] as number;
    const bo = (single ? addOwners[0] : addOwners[j]) as number;
    if (a < b || (a === b && compareNames(names[own[i] as number] as string, names[bo] as string) < 0)) {
      np[k] = a;
      no[k++] = own[i++] as number;
    } else {
      np[k] = b;
      no[k++] = bo;
      j++;
    }
  }
  while (i < pts.length) {
    np[k] = pts[i] as number;
    no[k++] = own[i++] as number;
  }
  while (j < add.length) {
    np[k] = add[j] as number;
    no[k++] = (single ? addOwners[0] : addOwners[j]) as number;
    j++;
  }
}

/**
 * The search index of sorted `points`: `index[b]` is the first point whose top `32 − shift` bits are ≥ b,
 * with about 4 points per bucket (≈ 1 byte per point).
 */
export function searchIndex(points: Uint32Array): { index: Uint32Array; shift: number } {
  const n = points.length;
  let bits = 1;
  while (bits < 24 && 1 << (bits + 2) < n) bits++;
  const shift = 32 - bits;
  const buckets = 1 << bits;
  const index = new Uint32Array(buckets + 1);
  let p = 0;
  for (let b = 0; b < buckets; b++) {
    while (p < n && (points[p] as number) >>> shift < b) p++;
    index[b] = p;
  }
  index[buckets] = n;
  return { index, shift };
}

/**
 * The ring `points`/`owners` without the points of `slots` (one filter pass; the order is kept). `ownerArray(n)`
 * allocates the new owner array (16- or 32-bit, as the ring's slot count needs).
 */
export function withoutSlots(
  points: Uint32Array,
  owners: Uint16Array | Uint32Array,
  slots: readonly number[],
  slotCount: number,
  ownerArray: (n: number) => Uint16Array | Uint32Array,
): { points: Uint32Array; owners: Uint16Array | Uint32Array } {
  const gone = new Uint8Array(slotCount);
  for (const slot of slots) gone[slot] = 1;
  let keep = 0;
  for (let i = 0; i < owners.length; i++) if (gone[owners[i] as number] === 0) keep++;
  const np = new Uint32Array(keep);
  const no = ownerArray(keep);
  let j = 0;
  for (let i = 0; i < owners.length; i++) {
    if (gone[owners[i] as number] === 0) {
      np[j] = points[i] as number;
      no[j++] = owners[i] as number;
    }
  }
  return { points: np, owners: no };
}

/**
 * Fraction of the 32-bit hash space each of `nodes` owns on the sorted ring `points`/`owners` (the arcs ending
 * at its points; `names[slot]` names a point's owner), summing to 1. A fresh Map; O(points).
 */
export function arcShares(
  points: Uint32Array,
  owners: Uint16Array | Uint32Array,
  names: readonly string[],
  nodes: Iterable<string>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes) out.set(n, 0);
  const n = points.length;
  for (let i = 0; i < n; i++) {
    const arc =
      i === 0 ? (points[0] as number) + 4294967296 - (points[n - 1] as number) : (points[i] as number) - (points[i - 1] as number);
    const name = names[owners[i] as number] as string;
    out.set(name, (out.get(name) as number) + arc / 4294967296);
  }
  return out;
}
