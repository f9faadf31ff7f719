import { assertNonNegativeInteger, assertPositiveFinite, describeValue, ScalingError } from '@scaling/core';

/** @internal */
export function checkNodeName(node: unknown): asserts node is string {
  if (typeof node !== 'string') throw new TypeError(`Expected \`node\` to be a string, got ${describeValue(node)}`);
}

/** @internal weight validation: finite > 0, and exactly 1 for unweighted algorithms. */
export function checkWeight(weight: unknown, algorithm: string, weighted: boolean): number {
  assertPositiveFinite('weight', weight);
  if (!weighted && weight !== 1) throw new RangeError(`Expected \`weight\` to be 1 (${algorithm} is unweighted), got ${weight}`);
  return weight;
}

/** @internal */
export function checkCount(count: unknown): asserts count is number {
  assertNonNegativeInteger('count', count);
}

/** @internal */
export function duplicateNode(node: string): ScalingError {
  return new ScalingError('ERR_DUPLICATE_NODE', `Node ${JSON.stringify(node)} is already present`);
}

/** @internal */
export function noNodes(): ScalingError {
  return new ScalingError('ERR_NO_NODES', 'There are no nodes to map the key to');
}

/** @internal murmur3's 32-bit finaliser: a bijection that spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** @internal lexicographic order on node names (code units), the tie-break used everywhere. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const encoder = new TextEncoder();

/** @internal UTF-8 bytes of a string (build time only: allocates). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

let scratch = new Uint8Array(256);

/**
 * @internal Encodes `s` as UTF-8 into a shared scratch buffer (lone surrogates → U+FFFD) and returns the
 * byte length; read the bytes from {@link scratchBuffer}. No allocation once the buffer is large enough.
 */
export function utf8Scratch(s: string): number {
  const n = s.length;
  if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, scratch.length * 2));
  const out = scratch;
  let p = 0;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[p++] = c;
    else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
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

/** @internal the buffer last written by {@link utf8Scratch}. */
export function scratchBuffer(): Uint8Array {
  return scratch;
}
