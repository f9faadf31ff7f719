import type { Clock } from '@scaling/core';

/**
 * Why an entry left the cache, as passed to {@link CacheOptions.onEvict}:
 * - `'evict'`: pushed out by the `max` or `maxSize` limit;
 * - `'expire'`: its TTL ran out (found by a read, by {@link BoundedCache.purgeStale}, by the automatic
 *   purge, or when it was the eviction victim while already expired);
 * - `'delete'`: removed by {@link BoundedCache.delete} (or by `set(key, undefined)`);
 * - `'set'`: its value was replaced by `set` with a different value (`Object.is`), or the new value was too
 *   large to store;
 * - `'clear'`: removed by {@link BoundedCache.clear}.
 */
export type EvictionReason = 'evict' | 'expire' | 'delete' | 'set' | 'clear';

/**
 * Called once for every entry that leaves the cache, after it is fully removed (the cache no longer
 * holds it, and its size no longer counts). It may call any method of the cache.
 */
export type EvictionListener<K, V> = (key: K, value: V, reason: EvictionReason) => void;

/** What {@link BoundedCache.getOrLoad} passes to the loader. */
export interface LoaderContext<V> {
  /** Aborted when every caller waiting for this load has aborted (and none waits without a signal). */
  signal: AbortSignal;
  /** The expired value being refreshed (stale-while-revalidate), or `undefined` on a plain miss. */
  staleValue: V | undefined;
}

/**
 * Produces the value for a missing key. A resolved `undefined` is returned to the callers and not cached;
 * a rejection reaches every caller and is not cached.
 */
export type Loader<K, V> = (key: K, context: LoaderContext<V>) => V | PromiseLike<V>;

/** Options of {@link BoundedCache.set}. */
export interface SetOptions {
  /** Time to live of this entry in ms, overriding the cache's `ttl`; `0` or `Infinity` = never expires. */
  ttl?: number;
}

/** Options of {@link BoundedCache.getOrLoad}. */
export interface GetOrLoadOptions {
  /** Aborts this caller's wait (rejecting with `signal.reason`); other callers of the same load are unaffected. */
  signal?: AbortSignal;
  /** Time to live in ms of the loaded value, overriding the cache's `ttl`. */
  ttl?: number;
}

/** Counters since construction, from {@link BoundedCache.stats}. */
export interface CacheStats {
  /** `get`/`getOrLoad` calls answered from the cache (stale-while-revalidate answers included). */
  hits: number;
  /** `get`/`getOrLoad` calls that found no live entry. */
  misses: number;
  /** Entries pushed out by the `max`/`maxSize` limits. */
  evictions: number;
  /** Entries removed because their TTL ran out. */
  expirations: number;
  /** Loader calls started by `getOrLoad` (one per single-flight group). */
  loads: number;
  /** Loader calls that threw or rejected. */
  loadErrors: number;
  /** `hits / (hits + misses)`, or 0 before the first read. */
  hitRatio: number;
}

/**
 * Options shared by every cache of this package.
 *
 * At least one of `max` and `maxSize` is required. Times are in milliseconds.
 */
export interface CacheOptions<K, V> {
  /** Maximum number of entries (a positive integer). Required unless `maxSize` is given. */
  max?: number;
  /**
   * Maximum total size, as measured by `sizeOf` (a positive number). An item whose own size exceeds it is
   * not stored (`set` returns `false`); otherwise entries are evicted (least recently used first for
   * `LruCache`; the policy's victims for `Cache`) until it fits.
   */
  maxSize?: number;
  /** Size of one entry, a finite number ≥ 0. Required with `maxSize`. Called once per `set`. */
  sizeOf?: (value: V, key: K) => number;
  /**
   * Default time to live in ms (≥ 0; `0` or `Infinity` = never expires; default `0`). An entry is expired
   * when `now − setAt ≥ ttl`; every read (`get`, `has`, `peek`, iteration, `remainingTtl`) uses this rule.
   */
  ttl?: number;
  /** Restart an entry's TTL when `get` (or a `getOrLoad` hit) reads it (default `false`). */
  updateAgeOnGet?: boolean;
  /**
   * Keep expired entries this many ms past their TTL so that `getOrLoad` can answer with the stale value at
   * once while it refreshes it in the background (default `0`: off). `get`/`has`/`peek` never return stale
   * values.
   */
  staleWhileRevalidate?: number;
  /**
   * Remove expired entries in the background: one `unref()`ed timer, armed for the earliest expiry, that
   * re-reads the clock, sweeps (O(entries)) and re-arms (default `false`).
   */
  autoPurge?: boolean;
  /**
   * How long a clock reading may be reused, in ms (default `1`, or `0` when `autoPurge` is on so the purge
   * timer stays the cache's only timer; `0` reads the clock on every TTL check).
   * Reading `performance.now()` costs about as much as a cache hit, so TTL checks share one reading per
   * window, refreshed by a short `unref()`ed timer. Expiry is therefore up to this late.
   */
  ttlResolution?: number;
  /** Called once per removed entry, with the reason; see {@link EvictionListener}. */
  onEvict?: EvictionListener<K, V>;
  /** Time source and timers (default `systemClock` from `@scaling/core`). */
  clock?: Clock;
}

/**
 * The contract every cache of this package implements (`LruCache`, and `Cache` with each of its eviction
 * policies), checked by one conformance test suite. Keys follow `Map` semantics (SameValueZero: `1` and `'1'` are distinct,
 * `'__proto__'` is an ordinary key).
 */
export interface BoundedCache<K, V> extends Iterable<[K, V]> {
  /** Entries stored, including expired ones not removed yet (reads never return those). */
  readonly size: number;
  /** Sum of the stored entries' sizes (0 without `maxSize`). */
  readonly totalSize: number;
  /** The value for `key`, recording the access (LRU: marking it most recently used); `undefined` when absent or expired. */
  get(key: K): V | undefined;
  /** The value for `key` without recording an access; `undefined` when absent or expired. */
  peek(key: K): V | undefined;
  /** Whether a live entry exists, without recording an access. */
  has(key: K): boolean;
  /** Store `value` (LRU: as most recently used). Returns `false` when it was not stored (larger than `maxSize`). */
  set(key: K, value: V, options?: SetOptions): boolean;
  /** Remove `key`; `true` when a live entry was removed. Also makes a pending load's result be dropped. */
  delete(key: K): boolean;
  /** Remove every entry (reason `'clear'`) and detach pending loads. */
  clear(): void;
  /** Remove every expired entry now; returns how many were removed. */
  purgeStale(): number;
  /** Milliseconds until `key` expires: `Infinity` without a TTL, `0` when absent or expired. */
  remainingTtl(key: K): number;
  /** Keys of live entries, in the policy's keep-longest-first order (LRU: most recently used first). */
  keys(): IterableIterator<K>;
  /** Values of live entries, in the same order as `keys()`. */
  values(): IterableIterator<V>;
  /** `[key, value]` of live entries, in the same order as `keys()`. */
  entries(): IterableIterator<[K, V]>;
  /** The cached value, or the result of one shared `loader` call per key; see the implementation. */
  getOrLoad(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<V>;
  /** Counters since construction. */
  stats(): CacheStats;
}
