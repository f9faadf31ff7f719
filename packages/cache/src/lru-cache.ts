import { EvictionQueue } from './_eviction-queue.js';
import { ExpiryClock } from './_expiry-clock.js';
import { growArray, growF64, growU32 } from './_grow.js';
import { liveEntries, liveKeys, liveValues } from './_iteration.js';
import { checkSize, checkTtl, resolveOptions } from './_options.js';
import { SingleFlight } from './_single-flight.js';
import { cacheStats } from './_stats.js';
import type { BoundedCache, CacheOptions, CacheStats, EvictionReason, GetOrLoadOptions, Loader, SetOptions } from './types.js';

const INF = Number.POSITIVE_INFINITY;
/** "No slot" in the free list. */
const NIL = 0xffffffff;
/** Slots allocated up front; the arrays double from here up to `max`. */
const INITIAL_CAPACITY = 16;

/**
 * A least-recently-used cache with optional TTL, size limit, stale-while-revalidate and single-flight
 * loading.
 *
 * Layout (after isaacs/node-lru-cache): no object per entry. A `Map` gives each key a slot index; keys and
 * values live in two arrays at that index and the recency list is two `Uint32Array`s of prev/next slot
 * indices (least recently used at the head). Freed slots are chained through `next`. TTL start times and
 * TTLs (`Float64Array`s) and sizes are allocated only when the feature is first used, so a cache without TTL
 * pays one field test per operation for it.
 *
 * Complexity: `get`/`set`/`has`/`peek`/`delete` O(1); `purgeStale`, `clear` and starting an iteration O(n).
 *
 * @example
 * ```ts
 * import { LruCache } from '@scaling/cache';
 *
 * const cache = new LruCache<string, number>({ max: 2, ttl: 60_000 });
 * cache.set('a', 1);
 * cache.set('b', 2);
 * cache.get('a'); // 1, and 'a' is now the most recently used
 * cache.set('c', 3); // evicts 'b'
 * console.log([...cache.keys()]); // ['c', 'a']
 * ```
 */
export class LruCache<K, V> implements BoundedCache<K, V> {
  /** Maximum number of entries (`Infinity` when only `maxSize` limits the cache). */
  readonly max: number;
  /** Maximum total size (`Infinity` without `maxSize`). */
  readonly maxSize: number;

  readonly #map = new Map<K, number>();
  #keys: Array<K | undefined>;
  #vals: Array<V | undefined>;
  /**
   * The recency list, one record per slot: `[next, prev]` (shift 1), or with TTL tracking
   * `[next, prev, expiresAt as float64]` (shift 2), so a hit touches one cache line for links and expiry.
   */
  #links: Uint32Array;
  /** log2 of the record length in 32-bit words: 1 without TTL, 2 with. */
  #shift = 1;
  /** Least recently used slot (valid when size > 0). */
  #head = 0;
  /** Most recently used slot (valid when size > 0). */
  #tail = 0;
  #capacity: number;
  /** Slots handed out so far (slots ≥ this were never used). */
  #used = 0;
  /** First free slot (chained through the `next` words), or NIL. */
  #free = NIL;

  readonly #sizeOf: ((value: V, key: K) => number) | undefined;
  #sizes: Float64Array | undefined;
  #totalSize = 0;

  readonly #defaultTtl: number;
  readonly #updateAgeOnGet: boolean;
  readonly #swr: number;
  readonly #autoPurge: boolean;
  /**
   * Float64 view of `#links` when TTL tracking is on: slot `i` expires at `[(i << 1) | 1]` (`setAt + ttl`,
   * `Infinity` = never).
   */
  #expires: Float64Array | undefined;
  /** TTL per slot, kept only with `updateAgeOnGet` (to restart it). */
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
   * @param options - limits, TTL, listener and clock; see {@link CacheOptions}.
   * @throws {TypeError} when an option has the wrong type (e.g. `max: "10"`, `maxSize` without `sizeOf`).
   * @throws {RangeError} when an option is out of range (`max` of 0, negative, NaN or 2.5; negative `ttl`).
   */
  constructor(options: CacheOptions<K, V>) {
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
    this.#keys = new Array<K | undefined>(capacity).fill(undefined);
    this.#vals = new Array<V | undefined>(capacity).fill(undefined);
    this.#links = new Uint32Array(capacity << 1);
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
   * The value for `key`, making it the most recently used (and restarting its TTL with `updateAgeOnGet`).
   * `undefined` when absent or expired; an expired entry is removed (reason `'expire'`) unless it is
   * still within the `staleWhileRevalidate` window.
   */
  get(key: K): V | undefined {
    const i = this.#map.get(key);
    if (i === undefined) {
      this.#misses++;
      return undefined;
    }
    const expires = this.#expires;
    if (expires !== undefined) {
      const time = this.#time;
      const now = time.nowValid ? time.cachedNow : time.readClock();
      const expiresAt = expires[(i << 1) | 1] as number;
      if (now >= expiresAt) {
        this.#misses++;
        if (now >= expiresAt + this.#swr) {
          this.#remove(i, 'expire');
          this.#drain();
        }
        return undefined;
      }
      if (this.#ttls !== undefined) expires[(i << 1) | 1] = now + (this.#ttls[i] as number);
    }
    if (i !== this.#tail) this.#moveToTail(i);
    this.#hits++;
    return this.#vals[i];
  }

  /** The value for `key` without changing recency or stats; `undefined` when absent or expired. */
  peek(key: K): V | undefined {
    const i = this.#map.get(key);
    if (i === undefined || (this.#expires !== undefined && this.#isStale(i))) return undefined;
    return this.#vals[i];
  }

  /** Whether a live (unexpired) entry exists for `key`, without changing recency or stats. */
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
    const remaining = (expires[(i << 1) | 1] as number) - this.#time.now();
    return Math.max(remaining, 0);
  }

  // ---- writes ------------------------------------------------------------------------------------------

  /**
   * Store `value` under `key` as the most recently used entry, evicting least-recently-used entries past
   * `max`/`maxSize`. A replaced value is reported with reason `'set'`. `set(key, undefined)` is `delete(key)`.
   * A pending `getOrLoad` for `key` is detached: this value wins over its late result.
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
    if (this.#sizes !== undefined) {
      size = checkSize((this.#sizeOf as (value: V, key: K) => number)(value, key));
      if (size > this.maxSize) {
        const old = this.#map.get(key);
        if (old !== undefined) {
          this.#remove(old, 'set');
          this.#drain();
        }
        return false;
      }
    }
    // Arrays are read again after `#allocate`, which may have grown (replaced) them.
    let expires = this.#expires;
    const time = this.#time;
    const now = expires === undefined ? 0 : time.nowValid ? time.cachedNow : time.readClock();
    let i = this.#map.get(key);
    if (i === undefined) {
      if (this.#map.size >= this.max) {
        // Full: recycle the least recently used slot in place.
        i = this.#head;
        const reason: EvictionReason = expires !== undefined && now >= (expires[(i << 1) | 1] as number) ? 'expire' : 'evict';
        if (reason === 'evict') this.#evictions++;
        else this.#expirations++;
        const oldKey = this.#keys[i] as K;
        if (this.#evicted !== undefined) this.#evicted.push(oldKey, this.#vals[i] as V, reason);
        this.#map.delete(oldKey);
        if (this.#sizes !== undefined) {
          this.#totalSize -= this.#sizes[i] as number;
          this.#sizes[i] = 0;
        }
        // The only entry is already both head and tail.
        if (this.#map.size > 0) this.#moveToTail(i);
      } else {
        i = this.#allocate();
        expires = this.#expires;
      }
      this.#map.set(key, i);
      this.#keys[i] = key;
      this.#vals[i] = value;
    } else {
      const old = this.#vals[i] as V;
      if (!Object.is(old, value)) {
        this.#vals[i] = value;
        if (this.#evicted !== undefined) this.#evicted.push(key, old, 'set');
      }
      if (i !== this.#tail) this.#moveToTail(i);
    }
    if (expires !== undefined) {
      const expiresAt = now + ttl;
      expires[(i << 1) | 1] = expiresAt;
      if (this.#ttls !== undefined) this.#ttls[i] = ttl;
      if (this.#autoPurge && expiresAt < this.#time.purgeDue) this.#time.schedulePurge(expiresAt);
    }
    const sizes = this.#sizes;
    if (sizes !== undefined) {
      this.#totalSize += size - (sizes[i] as number);
      sizes[i] = size;
      while (this.#totalSize > this.maxSize) this.#remove(this.#head, this.#evictionReason(this.#head));
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
    this.#remove(i, 'delete');
    this.#drain();
    return live;
  }

  /** Remove every entry (each reported once with reason `'clear'`, least recently used first) and detach pending loads. */
  clear(): void {
    if (this.#flights !== undefined) this.#flights.detachAll();
    this.#time.cancelPurge();
    const n = this.#map.size;
    if (n > 0 && this.#evicted !== undefined) {
      for (let i = this.#head, k = 0; k < n; k++, i = this.#links[i << this.#shift] as number) {
        this.#evicted.push(this.#keys[i] as K, this.#vals[i] as V, 'clear');
      }
    }
    this.#map.clear();
    this.#keys.fill(undefined);
    this.#vals.fill(undefined);
    this.#used = 0;
    this.#free = NIL;
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
    let stale: V | undefined;
    if (i !== undefined) {
      const expires = this.#expires;
      if (expires === undefined) {
        if (i !== this.#tail) this.#moveToTail(i);
        this.#hits++;
        return Promise.resolve(this.#vals[i] as V);
      }
      const now = this.#time.now();
      const expiresAt = expires[(i << 1) | 1] as number;
      if (now < expiresAt) {
        if (this.#ttls !== undefined) expires[(i << 1) | 1] = now + (this.#ttls[i] as number);
        if (i !== this.#tail) this.#moveToTail(i);
        this.#hits++;
        return Promise.resolve(this.#vals[i] as V);
      }
      if (now < expiresAt + this.#swr) {
        this.#hits++;
        stale = this.#vals[i] as V;
        this.#singleFlight().refresh(key, loader, stale, ttl);
        return Promise.resolve(stale);
      }
      this.#remove(i, 'expire');
      this.#drain();
    }
    this.#misses++;
    return this.#singleFlight().load(key, loader, undefined, ttl, options?.signal);
  }

  // ---- iteration ---------------------------------------------------------------------------------------

  /**
   * Keys of live entries, most recently used first. The order is taken when iteration starts; entries
   * deleted or expired before they are reached are skipped, entries added meanwhile are not visited, and
   * iterating does not change recency.
   */
  keys(): IterableIterator<K> {
    return liveKeys(this, () => this.#snapshot());
  }

  /** Values of live entries, most recently used first (same rules as {@link LruCache.keys}). */
  values(): IterableIterator<V> {
    return liveValues(this, () => this.#snapshot());
  }

  /** `[key, value]` pairs of live entries, most recently used first (same rules as {@link LruCache.keys}). */
  entries(): IterableIterator<[K, V]> {
    return liveEntries(this, () => this.#snapshot());
  }

  /** Same as {@link LruCache.entries}. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** Counters since construction. */
  stats(): CacheStats {
    return cacheStats(this.#hits, this.#misses, this.#evictions, this.#expirations, this.#flights);
  }

  // ---- internals ---------------------------------------------------------------------------------------

  #snapshot(): K[] {
    const n = this.#map.size;
    const out = new Array<K>(n);
    const links = this.#links;
    const s = this.#shift;
    for (let i = this.#tail, k = 0; k < n; k++, i = links[(i << s) + 1] as number) out[k] = this.#keys[i] as K;
    return out;
  }

  /** Expired by the one rule `now − setAt ≥ ttl`, i.e. `now ≥ setAt + ttl`. Only with TTL tracking on. */
  #isStale(i: number): boolean {
    const time = this.#time;
    return (time.nowValid ? time.cachedNow : time.readClock()) >= ((this.#expires as Float64Array)[(i << 1) | 1] as number);
  }

  #initTtl(): void {
    // Widen each slot record from [next, prev] to [next, prev, expiresAt].
    const old = this.#links;
    const links = new Uint32Array(this.#capacity << 2);
    for (let i = 0; i < this.#capacity; i++) {
      links[i << 2] = old[i << 1] as number;
      links[(i << 2) + 1] = old[(i << 1) + 1] as number;
    }
    const expires = new Float64Array(links.buffer);
    for (let i = 0; i < this.#capacity; i++) expires[(i << 1) | 1] = INF;
    this.#links = links;
    this.#shift = 2;
    this.#expires = expires;
    if (this.#updateAgeOnGet) {
      const ttls = new Float64Array(this.#capacity);
      ttls.fill(INF);
      this.#ttls = ttls;
    }
  }

  #singleFlight(): SingleFlight<K, V> {
    if (this.#flights === undefined) this.#flights = new SingleFlight(this);
    return this.#flights;
  }

  #allocate(): number {
    let i = this.#free;
    if (i !== NIL) {
      this.#free = this.#links[i << this.#shift] as number;
    } else {
      if (this.#used === this.#capacity) this.#grow();
      i = this.#used++;
    }
    if (this.#map.size === 0) {
      this.#head = this.#tail = i;
    } else {
      const links = this.#links;
      const s = this.#shift;
      links[(i << s) + 1] = this.#tail;
      links[this.#tail << s] = i;
      this.#tail = i;
    }
    return i;
  }

  #grow(): void {
    const capacity = Math.min(this.max, this.#capacity * 2, NIL);
    this.#capacity = capacity;
    this.#keys = growArray(this.#keys, capacity);
    this.#vals = growArray(this.#vals, capacity);
    const links = growU32(this.#links, capacity << this.#shift);
    this.#links = links;
    if (this.#sizes !== undefined) this.#sizes = growF64(this.#sizes, capacity, 0);
    if (this.#expires !== undefined) {
      const expires = new Float64Array(links.buffer);
      for (let i = this.#used; i < capacity; i++) expires[(i << 1) | 1] = INF;
      this.#expires = expires;
    }
    if (this.#ttls !== undefined) {
      this.#ttls = growF64(this.#ttls, capacity, INF);
    }
  }

  #moveToTail(i: number): void {
    const links = this.#links;
    const s = this.#shift;
    const at = i << s;
    if (i === this.#head) {
      this.#head = links[at] as number;
    } else {
      const p = links[at + 1] as number;
      const n = links[at] as number;
      links[p << s] = n;
      links[(n << s) + 1] = p;
    }
    const tail = this.#tail;
    links[at + 1] = tail;
    links[tail << s] = i;
    this.#tail = i;
  }

  /** `'expire'` when slot `i` is already expired, else `'evict'`. */
  #evictionReason(i: number): EvictionReason {
    return this.#expires !== undefined && this.#isStale(i) ? 'expire' : 'evict';
  }

  /** Remove slot `i` entirely (map, list, sizes), queueing `onEvict`. */
  #remove(i: number, reason: EvictionReason): void {
    const key = this.#keys[i] as K;
    if (reason === 'evict') this.#evictions++;
    else if (reason === 'expire') this.#expirations++;
    if (this.#evicted !== undefined) this.#evicted.push(key, this.#vals[i] as V, reason);
    this.#map.delete(key);
    if (this.#sizes !== undefined) {
      this.#totalSize -= this.#sizes[i] as number;
      this.#sizes[i] = 0;
    }
    this.#unlinkAndFree(i);
  }

  #unlinkAndFree(i: number): void {
    const links = this.#links;
    const s = this.#shift;
    const at = i << s;
    if (i === this.#head) this.#head = links[at] as number;
    else if (i === this.#tail) this.#tail = links[at + 1] as number;
    else {
      const p = links[at + 1] as number;
      const n = links[at] as number;
      links[p << s] = n;
      links[(n << s) + 1] = p;
    }
    this.#keys[i] = undefined;
    this.#vals[i] = undefined;
    links[at] = this.#free;
    this.#free = i;
  }

  /** Remove expired entries; re-arm the automatic purge for the earliest remaining expiry. */
  #sweep(): number {
    const expires = this.#expires;
    if (expires === undefined || this.#map.size === 0) return 0;
    const now = this.#time.now();
    const swr = this.#swr;
    let removed = 0;
    let earliest = INF;
    let n = this.#map.size;
    for (let i = this.#head; n > 0; n--) {
      const next = this.#links[i << this.#shift] as number;
      // Entries in their stale-while-revalidate window stay until the window ends.
      const removeAt = (expires[(i << 1) | 1] as number) + swr;
      if (now >= removeAt) {
        this.#remove(i, 'expire');
        removed++;
      } else if (removeAt < earliest) {
        earliest = removeAt;
      }
      i = next;
    }
    if (this.#autoPurge && earliest !== INF) this.#time.schedulePurge(earliest);
    return removed;
  }

  /** Deliver queued removals to `onEvict`; the first error a listener threw is rethrown. */
  #drain(): void {
    if (this.#evicted !== undefined) this.#evicted.drain();
  }
}
