/**
 * MD5 (RFC 1321) over bytes, returning the digest as four little-endian 32-bit words in a shared
 * `Uint32Array` (word i = digest bytes 4i…4i+3 read little-endian, as libketama reads its points).
 * Used only by the ketama-compatible ring; not for security.
 * @internal
 */
import { assertHashInput, scratchBytes, utf8IntoScratch } from '@scaling/core/internal';

const S = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11,
  16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];
const SH = Int32Array.from(S);
const K = new Int32Array(64);
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0;

const digest = new Uint32Array(4);
const block = new Int32Array(16);
let pad = new Uint8Array(128);

/** @internal */
export function md5Words(bytes: Uint8Array, len: number): Uint32Array {
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  const total = (((len + 8) >>> 6) + 1) << 6; // padded length, multiple of 64
  const full = len >>> 6; // complete blocks taken straight from the input
  const tailStart = full << 6;
  const tailLen = total - tailStart;
  if (pad.length < tailLen) pad = new Uint8Array(tailLen);
  pad.fill(0, 0, tailLen);
  for (let i = tailStart; i < len; i++) pad[i - tailStart] = bytes[i] as number;
  pad[len - tailStart] = 0x80;
  const bits = len * 8;
  pad[tailLen - 8] = bits & 0xff;
  pad[tailLen - 7] = (bits >>> 8) & 0xff;
  pad[tailLen - 6] = (bits >>> 16) & 0xff;
  pad[tailLen - 5] = (bits >>> 24) & 0xff;
  const hiBits = Math.floor(len / 0x20000000);
  pad[tailLen - 4] = hiBits & 0xff;
  pad[tailLen - 3] = (hiBits >>> 8) & 0xff;
  for (let off = 0; off < total; off += 64) {
    const src = off < tailStart ? bytes : pad;
    const base = off < tailStart ? off : off - tailStart;
    for (let j = 0; j < 16; j++) {
      const p = base + j * 4;
      block[j] = (src[p] as number) | ((src[p + 1] as number) << 8) | ((src[p + 2] as number) << 16) | ((src[p + 3] as number) << 24);
    }
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      f = (f + a + (K[i] as number) + (block[g] as number)) | 0;
      a = d;
      d = c;
      c = b;
      const s = SH[i] as number;
      b = (b + ((f << s) | (f >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  digest[0] = a0;
  digest[1] = b0;
  digest[2] = c0;
  digest[3] = d0;
  return digest;
}

/** @internal MD5 words of a string's UTF-8 bytes or of raw bytes. */
export function md5(input: string | Uint8Array): Uint32Array {
  if (typeof input === 'string') {
    const len = utf8IntoScratch(input); // may grow the scratch buffer: read it after
    return md5Words(scratchBytes(), len);
  }
  assertHashInput(input);
  return md5Words(input, input.length);
}
