import { type HashInput, xxHash64 } from '@scaling/core';
import { utf8 } from './_shared.js';

/**
 * The bytes hashed for virtual node `index` of `node` in the default ring: the node's UTF-8 bytes followed
 * by `index` as 4 little-endian bytes. The suffix has a fixed width, so distinct (node, index) pairs always
 * give distinct byte strings — unlike `node + index` ("s1" + "11" = "s11" + "1").
 * @internal
 */
export function ringPointBytes(node: string, index: number): Uint8Array {
  const name = utf8(node);
  const out = new Uint8Array(name.length + 4);
  out.set(name);
  writeIndex(out, index);
  return out;
}

/** @internal writes `index` into the last 4 bytes of `buf`, little-endian. */
export function writeIndex(buf: Uint8Array, index: number): void {
  const p = buf.length - 4;
  buf[p] = index & 0xff;
  buf[p + 1] = (index >>> 8) & 0xff;
  buf[p + 2] = (index >>> 16) & 0xff;
  buf[p + 3] = (index >>> 24) & 0xff;
}

/** @internal the string libketama hashes for point group `index` of `node`: `"<node>-<index>"`. */
export function ketamaPointName(node: string, index: number): string {
  return `${node}-${index}`;
}

const pointWords = new Uint32Array(2);

/**
 * Default point hash: the low 32 bits of xxHash64. Build time only; it spreads long, similar node names
 * more evenly than xxHash32 did in our balance runs (peak share 1.26 vs 1.41 at 1,000 nodes × 160 vnodes).
 * @internal
 */
export function pointHash(input: HashInput): number {
  return xxHash64(input, pointWords)[1] as number;
}

/**
 * @internal The `n` points of `node` in the default ring layout ({@link ringPointBytes} for `0..n-1`, each hashed
 * with `hash` to an unsigned 32-bit integer), sorted.
 */
export function nodePoints(node: string, n: number, hash: (input: Uint8Array) => number): Uint32Array {
  const buf = ringPointBytes(node, 0);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    writeIndex(buf, i);
    out[i] = hash(buf) >>> 0;
  }
  return out.sort();
}
