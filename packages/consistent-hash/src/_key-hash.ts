/**
 * Key hashing fast path. Most keys are short ASCII strings, whose UTF-8 bytes are their char codes: hashing
 * them straight from `charCodeAt` gives exactly core's `xxHash32(key)` without first encoding the string into
 * a buffer (which costs about twice the hash itself). Anything else (non-ASCII strings, bytes) goes to core.
 * @internal
 */
import { type HashInput, xxHash32 } from '@scaling/core';

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

/** @internal xxHash32 (seed 0) of a key: always equal to `xxHash32(key)` from `@scaling/core`. */
export function keyHash32(key: HashInput): number {
  if (typeof key !== 'string') return xxHash32(key);
  const len = key.length;
  let i = 0;
  let h: number;
  let any = 0; // OR of every char code read: ≥ 0x80 means non-ASCII, so the bytes differ from the chars
  if (len >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = -P1 | 0;
    const limit = len - 16;
    do {
      const c0 = word(key, i);
      const c1 = word(key, i + 4);
      const c2 = word(key, i + 8);
      const c3 = word(key, i + 12);
      any |= c0 | c1 | c2 | c3;
      v1 = Math.imul(rot((v1 + Math.imul(c0, P2)) | 0, 13), P1);
      v2 = Math.imul(rot((v2 + Math.imul(c1, P2)) | 0, 13), P1);
      v3 = Math.imul(rot((v3 + Math.imul(c2, P2)) | 0, 13), P1);
      v4 = Math.imul(rot((v4 + Math.imul(c3, P2)) | 0, 13), P1);
      i += 16;
    } while (i <= limit);
    h = (rot(v1, 1) + rot(v2, 7) + rot(v3, 12) + rot(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + len) | 0;
  while (i + 4 <= len) {
    const c = word(key, i);
    any |= c;
    h = Math.imul(rot((h + Math.imul(c, P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < len) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) return xxHash32(key);
    h = Math.imul(rot((h + Math.imul(c, P5)) | 0, 11), P1);
    i++;
  }
  // word() sets bit 7 of a lane for any char ≥ 0x80, so a clear mask means every char was ASCII
  if ((any & 0x80808080) !== 0) return xxHash32(key);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Four chars as a little-endian word; a char ≥ 0x80 forces bit 7 of its lane so the caller can detect it. */
function word(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  const d = s.charCodeAt(i + 3);
  const hi = (a | b | c | d) > 0x7f ? 0x80 : 0;
  return a | hi | (b << 8) | (c << 16) | (d << 24);
}

function rot(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}
