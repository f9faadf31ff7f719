/**
 * An eviction policy over the slot indices of a {@link Cache}: the cache owns keys, values, TTLs and sizes
 * per slot; the policy owns the order in which slots are evicted.
 */
export interface EvictionPolicy {
  /**
   * A saturating counter per slot that the cache bumps inline on a hit (up to {@link countCap}), instead of
   * calling {@link hit}: SIEVE's visited bit and S3-FIFO's 2-bit frequency. `undefined` for list-moving policies.
   */
  readonly counts: Uint8Array | undefined;
  /** Largest value of a `counts` entry. */
  readonly countCap: number;
  /** Make room for slots `0 … capacity − 1` (arrays replaced, so `counts` must be read again). */
  grow(capacity: number): void;
  /** A new entry (a miss that is stored) took slot `i`. */
  insert(i: number, key: unknown): void;
  /** A read or an overwrite hit slot `i` (only called when `counts` is undefined, or on overwrite). */
  hit(i: number): void;
  /** The slot to evict next (the cache then calls {@link remove} with `evicted` = true). Cache not empty. */
  victim(): number;
  /** Slot `i` leaves the cache; `evicted` when it was the policy's victim. */
  remove(i: number, key: unknown, evicted: boolean): void;
  /** Every stored slot, the one the policy would keep longest first (LRU: most recently used first). */
  order(): number[];
  /** Forget every slot (the cache is being cleared). */
  clear(): void;
}
