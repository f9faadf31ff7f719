import { describeValue } from '@scaling/core/internal';
import { EvictionQueue } from './_eviction-queue.js';
import { ExpiryClock } from './_expiry-clock.js';
import { growArray, growF64, growU32 } from './_grow.js';
import { liveEntries, liveKeys, liveValues } from './_iteration.js';
import { LruPolicy } from './_lru-policy.js';
import { checkSize, checkTtl, resolveOptions } from './_options.js';
import type { EvictionPolicy } from './_policy.js';
import { S3FifoPolicy } from './_s3fifo-policy.js';
import { SievePolicy } from './_sieve-policy.js';
import { SingleFlight } from './_single-flight.js';
import { cacheStats } from './_stats.js';
import { TinyLfuPolicy } from './_tinylfu-policy.js';
import type { BoundedCache, CacheOptions, CacheStats, EvictionReason, GetOrLoadOptions, Loader, SetOptions } from './types.js';

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

/** The default {@link CachePolicy} of {@link Cache}. */
export const DEFAULT_POLICY: CachePolicy = 's3fifo';

const INF = Number.POSITIVE_INFINITY;
const INITIAL_CAPACITY = 16;
const POLICIES: readonly CachePolicy[] = ['lru', 's3fifo', 'sieve', 'tinylfu'];

function createPolicy(policy: unknown, capacity: number, max: number): EvictionPolicy {
  switch (policy) {
    case 'lru':
      return new LruPolicy(capacity);
    case 's3fifo':
      return new S3FifoPolicy(capacity, max);
    case 'sieve':
      return new SievePolicy(capacity);
    case 'tinylfu':
      return new TinyLfuPolicy(capacity, max);
    default:
      if (typeof policy !== 'string') throw new TypeError(`Expected \`policy\` to be a string, got ${describeValue(policy)}`);
      throw new RangeError(`Expected \`policy\` to be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${describeValue(policy)}`);
  }
}

/**
 * A bounded cache with a choice of eviction policy, and the same options and methods as
 * {@link LruCache}: TTL, size limit, stale-while-revalidate, single-flight loading, removal reasons, stats.
 *
 * Layout: no object per entry. A `Map` gives each key a slot index; keys and values live in two arrays at
 * that index, expiry times and sizes in `Float64Array`s allocated when first needed, and the policy keeps its
 * queues as linked lists of slot indices in `Uint32Array`s (plus a `Uint8Array` counter per slot for
 * S3-FIFO and SIEVE, which a hit only bumps).
 *
 * Which entry is evicted depends on the policy; everything else (expiry rule, removal reasons, loading) is
 * policy-independent. Iteration runs in the policy's keep-longest-first order (LRU: most recently used first).
 *
 * Complexity: `get`/`has`/`peek`/`delete` O(1); `set` amortized O(1) (S3-FIFO and SIEVE may pass over
 * entries with their bit set, each pass clearing it); `purgeStale`, `clear` and starting an iteration O(n).
 *
 * @example
 * ```ts
 * import { Cache } from '@scaling/cache';
 *
 * const cache = new Cache<string, number>({ max: 1000, policy: 's3fifo', ttl: 60_000 });
 * cache.set('a', 1);
 * console.log(cache.get('a'), cache.policy); // 1 's3fifo'
 * ```
 */
export class Cache<K, V> implements BoundedCache<K, V> {
  /** The eviction policy. */
  readonly policy: CachePolicy;
  /** Maximum number of entries (`Infinity` when only `maxSize` limits the cache). */
  readonly max: number;
  /** Maximum total size (`Infinity` without `maxSize`). */
  readonly maxSize: number;

  readonly #map = new Map<K, number>();
  #keys: Array<K | undefined>;
  #vals: Array<V | undefined>;
  readonly #policy: EvictionPolicy;
  /** The policy's per-slot hit counter (S3-FIFO, SIEVE), bumped inline on a hit up to `#countCap`. */
  #counts: Uint8Array | undefined;
  readonly #countCap: number;
  #capacity: number;
  #used = 0;
  /** Freed slots (a stack). */
  #free: Uint32Array;
  #freeCount = 0;

  readonly #sizeOf: ((value: V, key: K) => number) | undefined;
  #sizes: Float64Array | undefined;
  #totalSize = 0;

  readonly #defaultTtl: number;
  readonly #updateAgeOnGet: boolean;
  readonly #swr: number;
  readonly #autoPurge: boolean;
  /** Expiry time per slot (`setAt + ttl`, `Infinity` = never) once TTL tracking starts. */
  #expires: Float64Array | undefined;
  /** TTL per slot, kept only with `updateAgeOnGet`. */
  #ttls: Float64Array | undefined;
  /** Clock-reading reuse and the automatic purge timer. */
  readonly #time: ExpiryClock;

  /** Removals waiting for `onEvict` (`undefined` without a listener). */
  readonly #evicted: EvictionQueue<K, V> | undefined;

  #flights: SingleFlight<K, V> | undefined = undefined;

  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #expirations = 0;

  /**
   * @param options - policy, limits, TTL, listener and clock; see {@link PolicyCacheOptions}.
   * @throws {TypeError} when an option has the wrong type (e.g. `max: "10"`, `policy: 1`).
   * @throws {RangeError} when an option is out of range (`max` of 0 or 2.5, negative `ttl`, unknown `policy`).
   */
  constructor(options: PolicyCacheOptions<K, V>) {
    const o = resolveOptions(options);
    this.max = o.max;
    this.maxSize = o.maxSize;
    this.#sizeOf = o.sizeOf;
    this.#defaultTtl = o.ttl;
    this.#updateAgeOnGet = o.updateAgeOnGet;
    this.#swr = o.staleWhileRevalidate;
    this.#autoPurge = o.autoPurge;
    this.#evicted = o.onEvict === undefined ? undefined : new EvictionQueue(o.onEvict);
    this.#time = new ExpiryClock(o.clock, o.ttlResolution, () => {
      this.#sweep();
      this.#drain();
    });
    const capacity = Math.min(this.max, INITIAL_CAPACITY);
    this.#capacity = capacity;
    this.#policy = createPolicy(options.policy ?? DEFAULT_POLICY, capacity, this.max);
    this.policy = (options.policy ?? DEFAULT_POLICY) as CachePolicy;
    this.#counts = this.#policy.counts;
    this.#countCap = this.#policy.countCap;
    this.#keys = new Array<K | undefined>(capacity).fill(undefined);
    this.#vals = new Array<V | undefined>(capacity).fill(undefined);
    this.#free = new Uint32Array(capacity);
    this.#sizes = this.#sizeOf === undefined ? undefined : new Float64Array(capacity);
    this.#expires = undefined;
    this.#ttls = undefined;
    if (this.#defaultTtl !== INF) this.#initTtl();
  }

  /** Entries stored, including expired ones that no read, sweep or eviction has removed yet. */
  get size(): number {
    return this.#map.size;
  }

  /** Sum of the stored entries' sizes (0 without `maxSize`). */
  get totalSize(): number {
    return this.#totalSize;
  }

  // ---- reads -------------------------------------------------------------------------------------------

  /**
   * The value for `key`, recording the access for the policy (and restarting its TTL with
   * `updateAgeOnGet`). `undefined` when absent or expired; an expired entry is removed (reason `'expire'`)
   * unless it is still within the `staleWhileRevalidate` window.
   */
  get(key: K): V | undefined {
    const i = this.#map.get(key);
    if (i === undefined) {
      this.#misses++;
      return undefined;
    }
    // Kept small so that it inlines into callers; the TTL work is out of line.
    if (this.#expires !== undefined && !this.#liveOnRead(i)) return undefined;
    this.#touch(i);
    this.#hits++;
    return this.#vals[i];
  }

  /** The value for `key` without recording an access or counting stats; `undefined` when absent or expired. */
  peek(key: K): V | undefined {
    const i = this.#map.get(key);
    if (i === undefined || (this.#expires !== undefined && this.#isStale(i))) return undefined;
    return this.#vals[i];
  }

  /** Whether a live (unexpired) entry exists for `key`, without recording an access or counting stats. */
  has(key: K): boolean {
    const i = this.#map.get(key);
    return i !== undefined && !(this.#expires !== undefined && this.#isStale(i));
  }

  /**
   * Milliseconds until `key` expires by the rule `now − setAt ≥ ttl`: `Infinity` for an entry without TTL,
   * `0` when absent or expired.
   */
  remainingTtl(key: K): number {
    const i = this.#map.get(key);
    if (i === undefined) return 0;
    const expires = this.#expires;
    if (expires === undefined) return INF;
    return Math.max((expires[i] as number) - this.#time.now(), 0);
  }

  // ---- writes ------------------------------------------------------------------------------------------

  /**
   * Store `value` under `key`, first evicting the policy's victims while the cache is at `max` or the new
   * size would pass `maxSize` (an overwrite counts as an access). A replaced value is reported with reason
   * `'set'`. `set(key, undefined)` is `delete(key)`. A pending `getOrLoad` for `key` is detached.
   *
   * @returns `false` when the value was not stored because `sizeOf` exceeds `maxSize` (any previous entry for
   * `key` is then removed with reason `'set'`).
   * @throws {TypeError}/{@link RangeError} for a bad `options.ttl` or a bad `sizeOf` result.
   */
  set(key: K, value: V, options?: SetOptions): boolean {
    if (value === undefined) {
      this.delete(key);
      return false;
    }
    if (this.#flights !== undefined) this.#flights.detach(key);
    let ttl = this.#defaultTtl;
    if (options !== undefined && options.ttl !== undefined) {
      ttl = checkTtl('ttl', options.ttl);
      if (this.#expires === undefined && ttl !== INF) this.#initTtl();
    }
    let size = 0;
    const sizes = this.#sizes;
    if (sizes !== undefined) {
      size = checkSize((this.#sizeOf as (value: V, key: K) => number)(value, key));
      if (size > this.maxSize) {
        const old = this.#map.get(key);
        if (old !== undefined) {
          this.#remove(old, 'set', false);
          this.#drain();
        }
        return false;
      }
    }
    let i = this.#map.get(key);
    if (i === undefined) {
      while (this.#map.size > 0 && (this.#map.size >= this.max || this.#totalSize + size > this.maxSize)) this.#evictOne();
      i = this.#allocate();
      this.#map.set(key, i);
      this.#keys[i] = key;
      this.#vals[i] = value;
      this.#policy.insert(i, key);
    } else {
      const old = this.#vals[i] as V;
      if (!Object.is(old, value)) {
        this.#vals[i] = value;
        if (this.#evicted !== undefined) this.#evicted.push(key, old, 'set');
      }
      if (sizes !== undefined && this.#totalSize - (sizes[i] as number) + size > this.maxSize) {
        // Growing past maxSize: step out of the policy's queues so that the entry cannot be its own victim.
        this.#policy.remove(i, key, false);
        this.#totalSize -= sizes[i] as number;
        sizes[i] = 0;
        while (this.#totalSize + size > this.maxSize) this.#evictOne();
        this.#policy.insert(i, key);
      } else {
        this.#policy.hit(i);
      }
    }
    const expires = this.#expires;
    if (expires !== undefined) {
      const time = this.#time;
      const expiresAt = (time.nowValid ? time.cachedNow : time.readClock()) + ttl;
      expires[i] = expiresAt;
      if (this.#ttls !== undefined) this.#ttls[i] = ttl;
      if (this.#autoPurge && expiresAt < this.#time.purgeDue) this.#time.schedulePurge(expiresAt);
    }
    // Read again: `#allocate` may have grown (replaced) the array.
    const sizesNow = this.#sizes;
    if (sizesNow !== undefined) {
      this.#totalSize += size - (sizesNow[i] as number);
      sizesNow[i] = size;
    }
    if (this.#evicted !== undefined && this.#evicted.length > 0) this.#evicted.drain();
    return true;
  }

  /**
   * Remove `key` (reason `'delete'`). A pending `getOrLoad` for `key` is detached: its late result is
   * dropped. Returns `true` when a live entry was removed.
   */
  delete(key: K): boolean {
    if (this.#flights !== undefined) this.#flights.detach(key);
    const i = this.#map.get(key);
    if (i === undefined) return false;
    const live = !(this.#expires !== undefined && this.#isStale(i));
    this.#remove(i, 'delete', false);
    this.#drain();
    return live;
  }

  /** Remove every entry (each reported once with reason `'clear'`, the policy's next victims first) and detach pending loads. */
  clear(): void {
    if (this.#flights !== undefined) this.#flights.detachAll();
    this.#time.cancelPurge();
    if (this.#map.size > 0 && this.#evicted !== undefined) {
      const order = this.#policy.order();
      for (let k = order.length - 1; k >= 0; k--) {
        const i = order[k] as number;
        this.#evicted.push(this.#keys[i] as K, this.#vals[i] as V, 'clear');
      }
    }
    this.#policy.clear();
    this.#map.clear();
    this.#keys.fill(undefined);
    this.#vals.fill(undefined);
    this.#used = 0;
    this.#freeCount = 0;
    this.#totalSize = 0;
    if (this.#sizes !== undefined) this.#sizes.fill(0);
    this.#drain();
  }

  /** Remove every expired entry now (reason `'expire'`); returns how many were removed. O(n). */
  purgeStale(): number {
    const removed = this.#sweep();
    this.#drain();
    return removed;
  }

  // ---- loading -----------------------------------------------------------------------------------------

  /**
   * The live value for `key` (a hit, like `get`), or the result of `loader(key, { signal, staleValue })`.
   *
   * - Single-flight: concurrent callers for one key share one loader call per cache instance.
   * - A `set`, `delete` or `clear` made while the load is in flight wins: the late result is returned to
   *   the callers but not stored.
   * - A rejection reaches every caller and is not stored; a resolved `undefined` is not stored.
   * - `options.signal` aborts only this caller's wait; the loader's own signal aborts when every waiting
   *   caller has aborted.
   * - Within `staleWhileRevalidate` ms after expiry, resolves at once with the stale value and refreshes
   *   it in the background (one refresh per key); the refreshed value is stored when it arrives.
   *
   * @param options - `signal`, and `ttl` (ms) for the loaded value.
   * @throws {TypeError}/{@link RangeError} (synchronously) for a bad `options.ttl`.
   */
  getOrLoad(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<V> {
    const ttl = options?.ttl;
    if (ttl !== undefined) checkTtl('ttl', ttl);
    const i = this.#map.get(key);
    if (i !== undefined) {
      const expires = this.#expires;
      const now = expires === undefined ? 0 : this.#time.now();
      const expiresAt = expires === undefined ? INF : (expires[i] as number);
      if (now < expiresAt) {
        if (this.#ttls !== undefined) (expires as Float64Array)[i] = now + (this.#ttls[i] as number);
        this.#touch(i);
        this.#hits++;
        return Promise.resolve(this.#vals[i] as V);
      }
      if (now < expiresAt + this.#swr) {
        this.#hits++;
        const stale = this.#vals[i] as V;
        this.#singleFlight().refresh(key, loader, stale, ttl);
        return Promise.resolve(stale);
      }
      this.#remove(i, 'expire', false);
      this.#drain();
    }
    this.#misses++;
    return this.#singleFlight().load(key, loader, undefined, ttl, options?.signal);
  }

  // ---- iteration ---------------------------------------------------------------------------------------

  /**
   * Keys of live entries, in the policy's keep-longest-first order (LRU: most recently used first). The order
   * is taken when iteration starts; entries deleted or expired before they are reached are skipped, entries
   * added meanwhile are not visited, and iterating records no access.
   */
  keys(): IterableIterator<K> {
    return liveKeys(this, () => this.#snapshot());
  }

  /** Values of live entries (same order and rules as {@link Cache.keys}). */
  values(): IterableIterator<V> {
    return liveValues(this, () => this.#snapshot());
  }

  /** `[key, value]` pairs of live entries (same order and rules as {@link Cache.keys}). */
  entries(): IterableIterator<[K, V]> {
    return liveEntries(this, () => this.#snapshot());
  }

  /** Same as {@link Cache.entries}. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** Counters since construction. */
  stats(): CacheStats {
    return cacheStats(this.#hits, this.#misses, this.#evictions, this.#expirations, this.#flights);
  }

  // ---- internals ---------------------------------------------------------------------------------------

  /**
   * TTL part of `get`: whether slot `i` is live; restarts its TTL with `updateAgeOnGet`; an expired entry
   * counts a miss and is removed (reason `'expire'`) unless within `staleWhileRevalidate`.
   */
  #liveOnRead(i: number): boolean {
    const expires = this.#expires as Float64Array;
    const time = this.#time;
    const now = time.nowValid ? time.cachedNow : time.readClock();
    const expiresAt = expires[i] as number;
    if (now >= expiresAt) {
      this.#misses++;
      if (now >= expiresAt + this.#swr) {
        this.#remove(i, 'expire', false);
        this.#drain();
      }
      return false;
    }
    if (this.#ttls !== undefined) expires[i] = now + (this.#ttls[i] as number);
    return true;
  }

  /** Record a hit on slot `i` for the policy: bump its counter inline (S3-FIFO, SIEVE) or call `hit`. */
  #touch(i: number): void {
    const counts = this.#counts;
    if (counts !== undefined) {
      const c = counts[i] as number;
      if (c < this.#countCap) counts[i] = c + 1;
    } else {
      this.#policy.hit(i);
    }
  }

  #snapshot(): K[] {
    const order = this.#policy.order();
    const out = new Array<K>(order.length);
    for (let k = 0; k < order.length; k++) out[k] = this.#keys[order[k] as number] as K;
    return out;
  }

  #isStale(i: number): boolean {
    const time = this.#time;
    return (time.nowValid ? time.cachedNow : time.readClock()) >= ((this.#expires as Float64Array)[i] as number);
  }

  #initTtl(): void {
    this.#expires = new Float64Array(this.#capacity).fill(INF);
    if (this.#updateAgeOnGet) this.#ttls = new Float64Array(this.#capacity).fill(INF);
  }

  #singleFlight(): SingleFlight<K, V> {
    if (this.#flights === undefined) this.#flights = new SingleFlight(this);
    return this.#flights;
  }

  #allocate(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount] as number;
    if (this.#used === this.#capacity) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    const capacity = Math.min(this.max, this.#capacity * 2, 0xfffffffe);
    this.#capacity = capacity;
    this.#keys = growArray(this.#keys, capacity);
    this.#vals = growArray(this.#vals, capacity);
    this.#free = growU32(this.#free, capacity);
    this.#policy.grow(capacity);
    this.#counts = this.#policy.counts;
    if (this.#sizes !== undefined) this.#sizes = growF64(this.#sizes, capacity, 0);
    if (this.#expires !== undefined) this.#expires = growF64(this.#expires, capacity, INF);
    if (this.#ttls !== undefined) this.#ttls = growF64(this.#ttls, capacity, INF);
  }

  /** Evict the policy's victim (reason `'expire'` when it has already expired). */
  #evictOne(): void {
    const i = this.#policy.victim();
    this.#remove(i, this.#expires !== undefined && this.#isStale(i) ? 'expire' : 'evict', true);
  }

  /** Remove slot `i` entirely (map, policy, sizes), queueing `onEvict`. */
  #remove(i: number, reason: EvictionReason, evicted: boolean): void {
    const key = this.#keys[i] as K;
    if (reason === 'evict') this.#evictions++;
    else if (reason === 'expire') this.#expirations++;
    if (this.#evicted !== undefined) this.#evicted.push(key, this.#vals[i] as V, reason);
    this.#map.delete(key);
    this.#policy.remove(i, key, evicted);
    if (this.#sizes !== undefined) {
      this.#totalSize -= this.#sizes[i] as number;
      this.#sizes[i] = 0;
    }
    this.#keys[i] = undefined;
    this.#vals[i] = undefined;
    this.#free[this.#freeCount++] = i;
  }

  /** Remove expired entries (the policy's next victims first); re-arm the automatic purge. */
  #sweep(): number {
    const expires = this.#expires;
    if (expires === undefined || this.#map.size === 0) return 0;
    const now = this.#time.now();
    const swr = this.#swr;
    let removed = 0;
    let earliest = INF;
    const order = this.#policy.order();
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k] as number;
      const removeAt = (expires[i] as number) + swr;
      if (now >= removeAt) {
        this.#remove(i, 'expire', false);
        removed++;
      } else if (removeAt < earliest) {
        earliest = removeAt;
      }
    }
    if (this.#autoPurge && earliest !== INF) this.#time.schedulePurge(earliest);
    return removed;
  }

  /** Deliver queued removals to `onEvict`; the first error a listener threw is rethrown. */
  #drain(): void {
    if (this.#evicted !== undefined) this.#evicted.drain();
  }
}
