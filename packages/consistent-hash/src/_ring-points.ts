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
