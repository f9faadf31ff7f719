/** xxHash64 (Yann Collet, XXH64 of the xxHash specification) in 32-bit halves, no BigInt. */

import { assertHashInput, type HashInput, read32, scratchBytes, utf8IntoScratch } from './hash-input.js';

// ---- xxHash64 in 32-bit halves -------------------------------------------------------------------
// Every 64-bit value is a (hi, lo) pair of unsigned 32-bit numbers. Helpers return their result in the
// module-level registers REG[0]/REG[1] (hi/lo) so the hot loop allocates nothing.

const P64_1H = 0x9e3779b1;
const P64_1L = 0x85ebca87;
const P64_2H = 0xc2b2ae3d;
const P64_2L = 0x27d4eb4f;
const P64_3H = 0x165667b1;
const P64_3L = 0x9e3779f9;
const P64_4H = 0x85ebca77;
const P64_4L = 0xc2b2ae63;
const P64_5H = 0x27d4eb2f;
const P64_5L = 0x165667c5;

// Result registers: a typed array, because module-level `let` numbers above 2^30 would be boxed on every write.
const REG = new Uint32Array(2);

/** (ah,al) × (bh,bl) mod 2^64 → REG. The low word product is split in 16-bit limbs so doubles stay exact. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33, exact
  const low = a0 * b0 + ((mid << 16) >>> 0); // < 2^33, exact; (mid << 16) keeps mid's low 16 bits
  REG[1] = low >>> 0;
  REG[0] = (a1 * b1 + ((mid / 65536) | 0) + (low > 0xffffffff ? 1 : 0) + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah,al) + (bh,bl) mod 2^64 → REG. */
function add64(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  REG[1] = lo >>> 0;
  REG[0] = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** rotate-left of (h,l) by r (0 < r < 64) → REG. */
function rotl64(h: number, l: number, r: number): void {
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) {
    REG[0] = h >>> 0;
    REG[1] = l >>> 0;
    return;
  }
  REG[0] = ((h << r) | (l >>> (32 - r))) >>> 0;
  REG[1] = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** XXH64 round: acc = rotl(acc + input × P2, 31) × P1 → REG. */
function round64(acch: number, accl: number, inh: number, inl: number): void {
  mul64(inh, inl, P64_2H, P64_2L);
  add64(acch, accl, REG[0] as number, REG[1] as number);
  rotl64(REG[0] as number, REG[1] as number, 31);
  mul64(REG[0] as number, REG[1] as number, P64_1H, P64_1L);
}

/** XXH64 merge round: acc = (acc ^ round(0, val)) × P1 + P4 → REG. */
function mergeRound64(acch: number, accl: number, vh: number, vl: number): void {
  round64(0, 0, vh, vl);
  mul64((acch ^ (REG[0] as number)) >>> 0, (accl ^ (REG[1] as number)) >>> 0, P64_1H, P64_1L);
  add64(REG[0] as number, REG[1] as number, P64_4H, P64_4L);
}

function xxh64Bytes(b: Uint8Array, len: number, seed: number, out: Uint32Array): Uint32Array {
  let i = 0;
  let hh: number;
  let hl: number;
  if (len >= 32) {
    add64(0, seed, P64_1H, P64_1L);
    add64(REG[0] as number, REG[1] as number, P64_2H, P64_2L);
    let v1h = REG[0] as number;
    let v1l = REG[1] as number;
    add64(0, seed, P64_2H, P64_2L);
    let v2h = REG[0] as number;
    let v2l = REG[1] as number;
    let v3h = 0;
    let v3l = seed;
    // seed − P1 = seed + (2^64 − P1)
    add64(0, seed, 0x61c8864e, 0x7a143579);
    let v4h = REG[0] as number;
    let v4l = REG[1] as number;
    const limit = len - 32;
    do {
      round64(v1h, v1l, read32(b, i + 4), read32(b, i));
      v1h = REG[0] as number;
      v1l = REG[1] as number;
      round64(v2h, v2l, read32(b, i + 12), read32(b, i + 8));
      v2h = REG[0] as number;
      v2l = REG[1] as number;
      round64(v3h, v3l, read32(b, i + 20), read32(b, i + 16));
      v3h = REG[0] as number;
      v3l = REG[1] as number;
      round64(v4h, v4l, read32(b, i + 28), read32(b, i + 24));
      v4h = REG[0] as number;
      v4l = REG[1] as number;
      i += 32;
    } while (i <= limit);
    rotl64(v1h, v1l, 1);
    hh = REG[0] as number;
    hl = REG[1] as number;
    rotl64(v2h, v2l, 7);
    add64(hh, hl, REG[0] as number, REG[1] as number);
    hh = REG[0] as number;
    hl = REG[1] as number;
    rotl64(v3h, v3l, 12);
    add64(hh, hl, REG[0] as number, REG[1] as number);
    hh = REG[0] as number;
    hl = REG[1] as number;
    rotl64(v4h, v4l, 18);
    add64(hh, hl, REG[0] as number, REG[1] as number);
    mergeRound64(REG[0] as number, REG[1] as number, v1h, v1l);
    mergeRound64(REG[0] as number, REG[1] as number, v2h, v2l);
    mergeRound64(REG[0] as number, REG[1] as number, v3h, v3l);
    mergeRound64(REG[0] as number, REG[1] as number, v4h, v4l);
    hh = REG[0] as number;
    hl = REG[1] as number;
  } else {
    add64(0, seed, P64_5H, P64_5L);
    hh = REG[0] as number;
    hl = REG[1] as number;
  }
  add64(hh, hl, Math.floor(len / 4294967296), len >>> 0);
  hh = REG[0] as number;
  hl = REG[1] as number;
  while (i + 8 <= len) {
    round64(0, 0, read32(b, i + 4), read32(b, i));
    rotl64((hh ^ (REG[0] as number)) >>> 0, (hl ^ (REG[1] as number)) >>> 0, 27);
    mul64(REG[0] as number, REG[1] as number, P64_1H, P64_1L);
    add64(REG[0] as number, REG[1] as number, P64_4H, P64_4L);
    hh = REG[0] as number;
    hl = REG[1] as number;
    i += 8;
  }
  if (i + 4 <= len) {
    mul64(0, read32(b, i), P64_1H, P64_1L);
    rotl64((hh ^ (REG[0] as number)) >>> 0, (hl ^ (REG[1] as number)) >>> 0, 23);
    mul64(REG[0] as number, REG[1] as number, P64_2H, P64_2L);
    add64(REG[0] as number, REG[1] as number, P64_3H, P64_3L);
    hh = REG[0] as number;
    hl = REG[1] as number;
    i += 4;
  }
  while (i < len) {
    mul64(0, b[i] as number, P64_5H, P64_5L);
    rotl64((hh ^ (REG[0] as number)) >>> 0, (hl ^ (REG[1] as number)) >>> 0, 11);
    mul64(REG[0] as number, REG[1] as number, P64_1H, P64_1L);
    hh = REG[0] as number;
    hl = REG[1] as number;
    i++;
  }
  // avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul64(hh, hl, P64_2H, P64_2L);
  hl = ((REG[1] as number) ^ (((REG[1] as number) >>> 29) | ((REG[0] as number) << 3))) >>> 0;
  hh = ((REG[0] as number) ^ ((REG[0] as number) >>> 29)) >>> 0;
  mul64(hh, hl, P64_3H, P64_3L);
  out[0] = REG[0] as number;
  out[1] = ((REG[1] as number) ^ (REG[0] as number)) >>> 0;
  return out;
}

/**
 * xxHash64 (Yann Collet, XXH64 of the xxHash specification) of a string's UTF-8 bytes or of raw bytes,
 * computed in 32-bit halves (no BigInt). The result is written into `out` as `out[0] = high 32 bits`,
 * `out[1] = low 32 bits`, so a caller that reuses `out` allocates nothing.
 *
 * Used where a well-mixed 64-bit key is needed, e.g. to feed string keys to jump consistent hashing.
 *
 * @param input - string (UTF-8 encoded) or bytes.
 * @param out - a `Uint32Array` of length ≥ 2 that receives `[hi, lo]`.
 * @param seed - unsigned 32-bit seed (default 0; the high 32 bits of the 64-bit seed are 0).
 * @returns `out`.
 * @throws {TypeError} when `input` is neither a string nor a `Uint8Array`.
 * @example
 * ```ts
 * import { xxHash64 } from '@scaling/core';
 * const [hi, lo] = xxHash64('abc', new Uint32Array(2)); // 0x44bc2cf5, 0xad770999
 * ```
 */
export function xxHash64(input: HashInput, out: Uint32Array, seed = 0): Uint32Array {
  if (typeof input === 'string') {
    const len = utf8IntoScratch(input);
    return xxh64Bytes(scratchBytes(), len, seed >>> 0, out);
  }
  assertHashInput(input);
  return xxh64Bytes(input, input.length, seed >>> 0, out);
}
