/** {@link RingHash}'s options checked once, with the defaults filled in; the hash modes. */
import { xxHash32 } from '@scaling/core';
import { assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import { ketamaKeyHash } from './_ketama.js';
import type { RingHash, RingHashFunction, RingHashOptions } from './ring-hash.js';

/** Option names of hashring, consistent-hash (npm), Envoy and others, and what to use here. */
const RING_HINTS: Readonly<Record<string, string>> = {
  'vnode count': 'use `vnodes` (points per unit of weight)',
  replicas: 'use `vnodes` (points per unit of weight)',
  vnodeCount: 'use `vnodes`',
  virtualNodes: 'use `vnodes`',
  pointsPerServer: 'use `vnodes`',
  minimum_ring_size: 'use `vnodes` (points per unit of weight, not a ring size)',
  maximum_ring_size: 'use `vnodes` (points per unit of weight, not a ring size)',
  'max cache size': 'lookups are a binary search over a few points: no cache to size',
  compatibility: "use `hash: 'ketama'` for libketama / hash_ring compatibility",
  algorithm: "use `hash: 'xxh32' | 'ketama'` or a function",
  hashFunction: 'use `hash`',
  range: 'the ring is the 32-bit hash space',
  weight: 'pass each weight to `addNode(node, weight)`',
  weights: 'pass each weight to `addNode(node, weight)`',
  distribution: 'use `vnodes`',
};

/** @internal How a {@link RingHash} hashes: keys with xxHash32 and points with xxHash64 (the default). */
export const MODE_XXH32 = 0;
/** @internal libketama's MD5 points and key hash. */
export const MODE_KETAMA = 1;
/** @internal the user's own hash function for points and keys. */
export const MODE_CUSTOM = 2;

/** @internal Most points one node may own outside ketama mode (`RingHash.MAX_POINTS_PER_NODE`). */
export const MAX_POINTS_PER_NODE = 2 ** 20;

/** @internal {@link RingHashOptions} checked, with the defaults filled in. */
export interface RingSettings {
  vnodes: number;
  mode: number;
  /** the key hash (also the point hash in custom mode) */
  hash: RingHashFunction;
}

/**
 * Checks {@link RingHashOptions} (unknown keys too, with hints for other libraries' names) and fills in the
 * defaults (160 vnodes, `'xxh32'`).
 * @throws {RangeError} when `vnodes` is not a positive integer or exceeds `MAX_POINTS_PER_NODE`;
 * {@link TypeError} for an unknown option or a `hash` that is not `'xxh32'`, `'ketama'` or a function.
 * @internal
 */
export function resolveRingOptions(options: RingHashOptions): RingSettings {
  assertOptions('RingHash options', options, ['vnodes', 'hash'], RING_HINTS);
  const vnodes = options.vnodes ?? 160;
  assertPositiveInteger('vnodes', vnodes);
  if (vnodes > MAX_POINTS_PER_NODE)
    throw new RangeError(`Expected \`vnodes\` to be at most ${MAX_POINTS_PER_NODE} (RingHash.MAX_POINTS_PER_NODE), got ${vnodes}`);
  const hash = options.hash ?? 'xxh32';
  if (hash === 'xxh32') return { vnodes, mode: MODE_XXH32, hash: xxHash32 };
  if (hash === 'ketama') return { vnodes, mode: MODE_KETAMA, hash: ketamaKeyHash };
  if (typeof hash === 'function') return { vnodes, mode: MODE_CUSTOM, hash };
  throw new TypeError(`Expected \`hash\` to be 'xxh32', 'ketama' or a function, got ${JSON.stringify(hash)}`);
}
