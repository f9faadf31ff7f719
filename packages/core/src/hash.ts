/**
 * Fast non-cryptographic hashes over `string` (hashed as its UTF-8 bytes) and `Uint8Array` input,
 * with integer math only (`Math.imul`, `>>> 0`) and no BigInt.
 *
 * Strings are encoded into one module-level scratch buffer, so hashing a string allocates nothing
 * once the buffer has grown to fit.
 */

/** Key types the hashes accept: a string (UTF-8 encoded) or raw bytes. */
export type HashInput = string | Uint8Array;

let scratch = new Uint8Array(256);

/**
 * Encodes `s` as UTF-8 into the shared scratch buffer and returns the byte length. Lone surrogates
 * become U+FFFD, as `TextEncoder` does.
 * @internal
 */
export function utf8IntoScratch(s: string): number {
  const len = s.length;
  if (scratch.length < len * 3) scratch = new Uint8Array(Math.max(len * 3, scratch.length * 2));
  const out = scratch;
  let p = 0;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[p++] = 0xf0 | (c >> 18);
        out[p++] = 0x80 | ((c >> 12) & 63);
        out[p++] = 0x80 | ((c >> 6) & 63);
        out[p++] = 0x80 | (c & 63);
      } else {
        out[p++] = 0xef;
        out[p++] = 0xbf;
        out[p++] = 0xbd;
      }
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 63);
      out[p++] = 0x80 | (c & 63);
    }
  }
  return p;
}

/** @internal the scratch buffer last filled by {@link utf8IntoScratch}. */
export function scratchBytes(): Uint8Array {
  return scratch;
}

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function read32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
}

function xxh32Bytes(b: Uint8Array, len: number, seed: number): number {
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    const limit = len - 16;
    do {
      v1 = Math.imul(rotl32((v1 + Math.imul(read32(b, i), P32_2)) | 0, 13), P32_1);
      v2 = Math.imul(rotl32((v2 + Math.imul(read32(b, i + 4), P32_2)) | 0, 13), P32_1);
      v3 = Math.imul(rotl32((v3 + Math.imul(read32(b, i + 8), P32_2)) | 0, 13), P32_1);
      v4 = Math.imul(rotl32((v4 + Math.imul(read32(b, i + 12), P32_2)) | 0, 13), P32_1);
      i += 16;
    } while (i <= limit);
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    h = (seed + P32_5) | 0;
  }
  h = (h + len) | 0;
  while (i + 4 <= len) {
    h = Math.imul(rotl32((h + Math.imul(read32(b, i), P32_3)) | 0, 17), P32_4);
    i += 4;
  }
  while (i < len) {
    h = Math.imul(rotl32((h + Math.imul(b[i] as number, P32_5)) | 0, 11), P32_1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P32_2);
  h ^= h >>> 13;
  h = Math.imul(h, P32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * xxHash32 (Yann Collet, XXH32 of the xxHash specification) of a string's UTF-8 bytes or of raw bytes.
 *
 * @param input - string (UTF-8 encoded) or bytes.
 * @param seed - unsigned 32-bit seed (default 0).
 * @returns an unsigned 32-bit integer.
 * @example
 * ```ts
 * import { xxHash32 } from '@scaling/core';
 * xxHash32('abc'); // 0x32d153ff
 * ```
 */
export function xxHash32(input: HashInput, seed = 0): number {
  if (typeof input === 'string') {
    const len = utf8IntoScratch(input);
    return xxh32Bytes(scratch, len, seed >>> 0);
  }
  return xxh32Bytes(input, input.length, seed >>> 0);
}

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
    b = scratch;
  } else {
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
