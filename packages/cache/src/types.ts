import type { Clock, Histogram, Subscribable } from '@scaling/core';

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

/** Options of {@link BoundedCache.getOrLoad} and {@link BoundedCache.getOrLoadWithStatus}. */
export interface GetOrLoadOptions {
  /** Aborts this caller's wait (rejecting with `signal.reason`); other callers of the same load are unaffected. */
  signal?: AbortSignal;
  /** Time to live in ms of the loaded value, overriding the cache's `ttl`. */
  ttl?: number;
}

/**
 * Where the value of a {@link BoundedCache.getOrLoadWithStatus} call came from (what a server puts in
 * `x-cache`), decided when the call is made:
 * - `'hit'`: a live entry;
 * - `'stale'`: an expired entry within `staleWhileRevalidate`, answered at once while a refresh runs;
 * - `'miss'`: no live entry: the value comes from a loader call (started by this call, or already in flight
 *   for the key and joined — lru-cache calls that case `'inflight'`).
 */
export type LoadStatus = 'hit' | 'miss' | 'stale';

/** What {@link BoundedCache.getOrLoadWithStatus} resolves with. */
export interface LoadResult<V> {
  /** The value, as {@link BoundedCache.getOrLoad} would resolve. */
  value: V;
  /** Where it came from. */
  status: LoadStatus;
}

/**
 * A snapshot from {@link BoundedCache.stats} (the `stats()` convention of `docs/monitoring/conventions.md`):
 * counters since construction, gauges (`size`, `totalSize`, `inflight`, `hitRatio`) and the load latency
 * histogram. `hits + misses === lookups`; `staleHits ≤ hits`; `loadErrors ≤ loads`.
 */
export interface CacheStats {
  /** Counter: `get`/`getOrLoad` calls answered from the cache (stale-while-revalidate answers included). */
  hits: number;
  /** Counter: `get`/`getOrLoad` calls that found no live entry. */
  misses: number;
  /** Counter: `get`/`getOrLoad` calls (`hits + misses`); `peek`/`has` are not counted. */
  lookups: number;
  /** Counter: `getOrLoad` answers served stale within `staleWhileRevalidate` (counted in `hits` too). */
  staleHits: number;
  /** Counter: entries pushed out by the `max`/`maxSize` limits (removal reason `'evict'`). */
  evictions: number;
  /** Counter: entries removed because their TTL ran out (removal reason `'expire'`). */
  expirations: number;
  /** Counter: loader calls started by `getOrLoad` (one per single-flight group, background refreshes included). */
  loads: number;
  /** Counter: loader calls that threw or rejected. */
  loadErrors: number;
  /** Gauge: entries stored now, including expired ones not removed yet. */
  size: number;
  /** Gauge: sum of the stored entries' sizes (0 without `maxSize`). */
  totalSize: number;
  /** Gauge: loads in flight now. */
  inflight: number;
  /** Gauge: `hits / lookups`, or 0 before the first read. */
  hitRatio: number;
  /** Histogram (ms): time from each loader call to its settling (a copy; empty before the first load). */
  loadDuration: Histogram;
}

/**
 * The events of a cache (see `docs/events.md`): subscribe with `cache.on(event, listener)`, which returns an
 * unsubscribe function; each is also published on `node:diagnostics_channel` as `scaling:cache:<event>` with the
 * payload plus `source` (the cache).
 */
export type CacheEvents<K, V> = {
  /**
   * An entry left the cache (every removal, as `onEvict` sees it): delivered after `onEvict`, once the cache is
   * consistent, so a listener may call the cache.
   */
  evict: {
    /** The removed entry's key. */
    key: K;
    /** The removed entry's value (the replaced value for reason `'set'`). */
    value: V;
    /** Why it left; see {@link EvictionReason}. */
    reason: EvictionReason;
  };
};

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
  /**
   * Keep a load going when every caller waiting for it has aborted (default `false`), like lru-cache's
   * `ignoreFetchAbort`: the loader's signal is then not aborted, later callers for the key join the load,
   * and its result is stored when it arrives (unless a `set`/`delete`/`clear` made meanwhile wins). Off,
   * the loader's signal aborts and a result that still arrives is not stored.
   */
  ignoreLoadAbort?: boolean;
  /** Time source and timers (default `systemClock` from `@scaling/core`). */
  clock?: Clock;
}

/**
 * The contract every cache of this package implements (`LruCache`, and `Cache` with each of its eviction
 * policies), checked by one conformance test suite. Keys follow `Map` semantics (SameValueZero: `1` and `'1'` are distinct,
 * `'__proto__'` is an ordinary key).
 */
export interface BoundedCache<K, V> extends Iterable<[K, V]>, Subscribable<CacheEvents<K, V>> {
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
  /** {@link getOrLoad}, resolving with the value and where it came from (`hit` / `miss` / `stale`). */
  getOrLoadWithStatus(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<LoadResult<V>>;
  /** A snapshot of counters, gauges and the load latency histogram; see {@link CacheStats}. */
  stats(): CacheStats;
}

/**
 * An eviction policy of {@link Cache}:
 * - `'lru'`: least recently used (a hit moves the entry in a list);
 * - `'s3fifo'`: S3-FIFO (Yang et al., SOSP 2023): small + main FIFO queues and a ghost queue of keys;
 * - `'sieve'`: SIEVE (Zhang et al., NSDI 2024): one FIFO queue, a visited bit and a moving hand;
 * - `'tinylfu'`: W-TinyLFU with a window adapted by hill climbing (Einziger et al., ACM ToS 2017;
 *   Middleware 2018) and a 4-bit count-min sketch with periodic halving (after Caffeine).
 *
 * S3-FIFO and SIEVE do no list move on a hit (they set a bit or bump a counter).
 */
export type CachePolicy = 'lru' | 's3fifo' | 'sieve' | 'tinylfu';

/** Options of {@link Cache}: those of every cache ({@link CacheOptions}) plus the eviction `policy`. */
export interface PolicyCacheOptions<K, V> extends CacheOptions<K, V> {
  /** Eviction policy (default `'s3fifo'`, chosen from the hit-ratio lab; see the package README). */
  policy?: CachePolicy;
}
