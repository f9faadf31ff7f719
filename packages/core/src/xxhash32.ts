/** xxHash32 (Yann Collet, XXH32 of the xxHash specification) with integer math only. */

import { assertHashInput, type HashInput, read32, scratchBytes, utf8IntoScratch } from './hash-input.js';

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
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
 * xxHash32 of an ASCII string straight from its char codes (which are then its UTF-8 bytes), skipping the
 * encode into the scratch buffer, which costs about as much as the hash itself. Returns −1 as soon as it
 * meets a char ≥ 0x80, so the caller falls back to the encoded path.
 */
function xxh32Ascii(s: string, seed: number): number {
  const len = s.length;
  let i = 0;
  let h: number;
  let any = 0; // OR of every word read: bit 7 of a lane set means a non-ASCII char
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) | 0;
    let v2 = (seed + P32_2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P32_1) | 0;
    const limit = len - 16;
    do {
      const c0 = asciiWord(s, i);
      const c1 = asciiWord(s, i + 4);
      const c2 = asciiWord(s, i + 8);
      const c3 = asciiWord(s, i + 12);
      any |= c0 | c1 | c2 | c3;
      v1 = Math.imul(rotl32((v1 + Math.imul(c0, P32_2)) | 0, 13), P32_1);
      v2 = Math.imul(rotl32((v2 + Math.imul(c1, P32_2)) | 0, 13), P32_1);
      v3 = Math.imul(rotl32((v3 + Math.imul(c2, P32_2)) | 0, 13), P32_1);
      v4 = Math.imul(rotl32((v4 + Math.imul(c3, P32_2)) | 0, 13), P32_1);
      i += 16;
    } while (i <= limit);
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) | 0;
  } else {
    h = (seed + P32_5) | 0;
  }
  h = (h + len) | 0;
  while (i + 4 <= len) {
    const c = asciiWord(s, i);
    any |= c;
    h = Math.imul(rotl32((h + Math.imul(c, P32_3)) | 0, 17), P32_4);
    i += 4;
  }
  while (i < len) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    h = Math.imul(rotl32((h + Math.imul(c, P32_5)) | 0, 11), P32_1);
    i++;
  }
  if ((any & 0x80808080) !== 0) return -1;
  h ^= h >>> 15;
  h = Math.imul(h, P32_2);
  h ^= h >>> 13;
  h = Math.imul(h, P32_3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Four chars as a little-endian word; any char ≥ 0x80 sets bit 7 of the lowest lane so the caller can detect it. */
function asciiWord(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  const d = s.charCodeAt(i + 3);
  const high = (a | b | c | d) > 0x7f ? 0x80 : 0;
  return a | high | (b << 8) | (c << 16) | (d << 24);
}

/**
 * xxHash32 (Yann Collet, XXH32 of the xxHash specification) of a string's UTF-8 bytes or of raw bytes.
 *
 * @param input - string (UTF-8 encoded) or bytes.
 * @param seed - unsigned 32-bit seed (default 0).
 * @returns an unsigned 32-bit integer.
 * @throws {TypeError} when `input` is neither a string nor a `Uint8Array` (a number key, `undefined` …).
 * @example
 * ```ts
 * import { xxHash32 } from '@scaling/core';
 * xxHash32('abc'); // 0x32d153ff
 * ```
 */
export function xxHash32(input: HashInput, seed = 0): number {
  if (typeof input === 'string') {
    const h = xxh32Ascii(input, seed >>> 0);
    if (h >= 0) return h;
    const len = utf8IntoScratch(input);
    return xxh32Bytes(scratchBytes(), len, seed >>> 0);
  }
  assertHashInput(input);
  return xxh32Bytes(input, input.length, seed >>> 0);
}
