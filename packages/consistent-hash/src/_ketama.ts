import { md5 } from './_md5.js';
import { ketamaPointName } from './_point-key.js';
import type { HashKey } from './consistent-hash.js';

/**
 * libketama's point-group count for a node: `floorf(pct × 40 × nodes)` with `pct` the node's weight over
 * the total in float32 (libketama's rounding: 40 groups per node for equal weights).
 */
export function ketamaGroups(weight: number, totalWeight: number, nodes: number): number {
  const pct = Math.fround(Math.fround(weight) / Math.fround(totalWeight));
  return Math.floor(Math.fround(pct * 40 * Math.fround(nodes)));
}

/**
 * The points of a node with `groups` point groups: group `"<node>-<k>"` hashed with MD5 and split into 4
 * little-endian 32-bit points. A node whose share rounds to 0 groups still owns one group.
 */
export function ketamaPoints(node: string, groups: number): Uint32Array {
  const g = Math.max(1, groups);
  const pts = new Uint32Array(g * 4);
  for (let k = 0; k < g; k++) {
    const d = md5(ketamaPointName(node, k));
    pts[k * 4] = d[0] as number;
    pts[k * 4 + 1] = d[1] as number;
    pts[k * 4 + 2] = d[2] as number;
    pts[k * 4 + 3] = d[3] as number;
  }
  return pts;
}

/** libketama's key hash: the first four MD5 bytes, little-endian. */
export function ketamaKeyHash(key: HashKey): number {
  return md5(key)[0] as number;
}
