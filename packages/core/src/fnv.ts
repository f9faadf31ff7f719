/** FNV-1a (Fowler, Noll, Vo; draft-eastlake-fnv) and the murmur3 finalizer, small integer-only hashes. */

import { assertHashInput, type HashInput, scratchBytes, utf8IntoScratch } from './hash-input.js';

/**
 * 64-bit FNV-1a (Fowler–Noll–Vo, as specified in draft-eastlake-fnv) of a string's UTF-8 bytes or of raw
 * bytes, computed in two 32-bit halves (no BigInt). The result is written into `out` as
 * `out[0] = high 32 bits`, `out[1] = low 32 bits`, so a caller that reuses `out` allocates nothing.
 *
 * Used where a 64-bit key is needed, e.g. to feed string keys to jump consistent hashing.
 *
 * @param input - string (UTF-8 encoded) or bytes.
 * @param out - a `Uint32Array` of length ≥ 2 that receives `[hi, lo]`.
 * @returns `out`.
 * @throws {TypeError} when `input` is neither a string nor a `Uint8Array`.
 * @example
 * ```ts
 * import { fnv1a64 } from '@scaling/core';
 * const [hi, lo] = fnv1a64('a', new Uint32Array(2)); // 0xaf63dc4c, 0x8601ec8c
 * ```
 */
export function fnv1a64(input: HashInput, out: Uint32Array): Uint32Array {
  let b: Uint8Array;
  let len: number;
  if (typeof input === 'string') {
    len = utf8IntoScratch(input);
    b = scratchBytes();
  } else {
    assertHashInput(input);
    b = input;
    len = input.length;
  }
  // offset basis 0xcbf29ce484222325; prime 0x100000001b3 = 2^40 + 0x1b3
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < len; i++) {
    lo = (lo ^ (b[i] as number)) >>> 0;
    const loMul = lo * 0x1b3; // < 2^41, exact
    const carry = Math.floor(loMul / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0;
    lo = loMul >>> 0;
  }
  out[0] = hi;
  out[1] = lo;
  return out;
}

/** The murmur3 32-bit finalizer (Appleby, MurmurHash3 `fmix32`): a bijective avalanche of `h`, as uint32. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s` (Fowler, Noll, Vo; 32-bit offset basis and prime), unmixed, uint32. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
