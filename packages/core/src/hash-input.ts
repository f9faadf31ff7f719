/**
 * What the hashes accept, and the one module-level scratch buffer strings are UTF-8 encoded into, so
 * hashing a string allocates nothing once the buffer has grown to fit.
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

/** The little-endian unsigned 32-bit word at `b[i … i+3]` (the xxHash specification's read order). */
export function read32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
}
