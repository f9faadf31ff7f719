import type { HashInput } from '@scaling/core';

/** A key to place: a string (hashed as its UTF-8 bytes) or raw bytes. */
export type HashKey = HashInput;

/**
 * The interface every algorithm in this package implements: a mapping from keys to a changing set of
 * named nodes that moves few keys when a node joins or leaves.
 *
 * - Node names are any non-empty-or-empty string of any length; a name is added at most once.
 * - `getNode(key)` is `getNodes(key, 1)[0]`; `getNodes` returns `min(count, size)` distinct nodes and a
 *   shorter answer is always a prefix of a longer one (the fallback order for replicas).
 *
 * @example
 * ```ts
 * import { RingHash, type ConsistentHash } from '@scaling/consistent-hash';
 * const ring: ConsistentHash = new RingHash();
 * ring.addNode('cache-a');
 * ring.addNode('cache-b', 2);
 * ring.getNode('user:42'); // 'cache-a' or 'cache-b', the same in every process
 * ```
 */
export interface ConsistentHash {
  /** Number of nodes. */
  readonly size: number;
  /** The node names, in an algorithm-defined order (a fresh array). */
  nodes(): readonly string[];
  /**
   * Adds `node` with `weight` (default 1; relative share of keys).
   * @throws {ScalingError} `ERR_DUPLICATE_NODE` when `node` is already present.
   * @throws {RangeError} when `weight` is not a finite number > 0 (or not 1 for unweighted algorithms).
   */
  addNode(node: string, weight?: number): void;
  /** Removes `node`; returns false when it was not present. */
  removeNode(node: string): boolean;
  /**
   * The node that owns `key`.
   * @throws {ScalingError} `ERR_NO_NODES` when there are no nodes.
   */
  getNode(key: HashKey): string;
  /**
   * `min(count, size)` distinct nodes for `key` in preference order; `[0]` is `getNode(key)`, and the answer
   * for a smaller `count` is a prefix of the answer for a larger one. Empty when there are no nodes.
   * @throws {RangeError} when `count` is not a non-negative integer.
   */
  getNodes(key: HashKey, count: number): string[];
}
