/**
 * Fast non-cryptographic hashes over `string` (hashed as its UTF-8 bytes) and `Uint8Array` input,
 * with integer math only (`Math.imul`, `>>> 0`) and no BigInt.
 *
 * Strings are encoded into one module-level scratch buffer, so hashing a string allocates nothing
 * once the buffer has grown to fit.
 */

import { describeValue } from './validate.js';

/** Key types the hashes accept: a string (UTF-8 encoded) or raw bytes. */
export type HashInput = string | Uint8Array;

let scratch = new Uint8Array(256);

/**
 * Encodes `s` as UTF-8 into one module-level scratch buffer and returns the byte length; read the bytes
 * with {@link scratchBytes} (valid until the next call). Lone surrogates become U+FFFD, as
 * `TextEncoder` does. No allocation once the buffer has grown to fit. For hashing code paths that need
 * a string's bytes without a `TextEncoder` allocation per call.
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

/** The scratch buffer last filled by {@link utf8IntoScratch} (its first `length` bytes are the string's). */
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
    return xxh32Bytes(scratch, len, seed >>> 0);
  }
  assertHashInput(input);
  return xxh32Bytes(input, input.length, seed >>> 0);
}

/**
 * Checks that a key can be hashed: a `string` or a `Uint8Array` (also one from another realm).
 * Every hash here runs it on its non-string path (a number key or `undefined` would otherwise hash as zero
 * bytes or throw from deep inside; the string hot path never pays for it), and packages that hash keys with
 * an algorithm of their own (e.g. ketama's MD5) call it so they fail the same way.
 * @throws {TypeError} "Expected \`input\` to be a string or Uint8Array, got …" for anything else.
 */
export function assertHashInput(input: unknown): asserts input is HashInput {
  if (typeof input === 'string') return;
  if (input instanceof Uint8Array) return;
  // a Uint8Array from another realm still reports its own type name
  if (ArrayBuffer.isView(input) && Object.prototype.toString.call(input) === '[object Uint8Array]') return;
  throw new TypeError(`Expected \`input\` to be a string or Uint8Array, got ${describeValue(input)}`);
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
    b = scratch;
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
    return xxh64Bytes(scratch, len, seed >>> 0, out);
  }
  assertHashInput(input);
  return xxh64Bytes(input, input.length, seed >>> 0, out);
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
