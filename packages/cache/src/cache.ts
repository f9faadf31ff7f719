import { growArray, growF64, growU32 } from './_grow.js';
import { CACHE_OPTION_KEYS, checkSize, setOptionsTtl } from './_options.js';
import { SlotCache } from './_slot-cache.js';
import { createPolicy } from './policies/_create-policy.js';
import type { EvictionPolicy } from './policies/_policy.js';
import type { CachePolicy, PolicyCacheOptions, SetOptions } from './types.js';

/** The default {@link CachePolicy} of {@link Cache}. */
export const DEFAULT_POLICY: CachePolicy = 's3fifo';

const INF = Number.POSITIVE_INFINITY;
const INITIAL_CAPACITY = 16;
const POLICY_CACHE_OPTION_KEYS: readonly string[] = [...CACHE_OPTION_KEYS, 'policy'];

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
export class Cache<K, V> extends SlotCache<K, V> {
  /** The eviction policy. */
  readonly policy: CachePolicy;

  readonly #policy: EvictionPolicy;
  /** The policy's per-slot hit counter (S3-FIFO, SIEVE), bumped inline on a hit up to `#countCap`. */
  #counts: Uint8Array | undefined;
  readonly #countCap: number;
  #used = 0;
  /** Freed slots (a stack). */
  #free: Uint32Array;
  #freeCount = 0;
  /** Expiry time per slot (`setAt + ttl`, `Infinity` = never) once TTL tracking starts. */
  #expires: Float64Array | undefined = undefined;

  /**
   * @param options - policy, limits, TTL, listener and clock; see {@link PolicyCacheOptions}.
   * @throws {TypeError} when an option has the wrong type (e.g. `max: "10"`, `policy: 1`) or is unknown
   * (e.g. lru-cache's `maxAge`: the message names ours, `ttl`).
   * @throws {RangeError} when an option is out of range (`max` of 0 or 2.5, negative `ttl`, unknown `policy`).
   */
  constructor(options: PolicyCacheOptions<K, V>) {
    super('Cache', options, POLICY_CACHE_OPTION_KEYS, INITIAL_CAPACITY);
    const policy = options.policy ?? DEFAULT_POLICY;
    this.#policy = createPolicy(policy, this._capacity, this.max);
    this.policy = policy;
    this.#counts = this.#policy.counts;
    this.#countCap = this.#policy.countCap;
    this.#free = new Uint32Array(this._capacity);
    if (this._defaultTtl !== INF) this.#initTtl();
  }

  // ---- hot paths: the policy ---------------------------------------------------------------------------

  /**
   * The value for `key`, recording the access for the policy (and restarting its TTL with
   * `updateAgeOnGet`). `undefined` when absent or expired; an expired entry is removed (reason `'expire'`)
   * unless it is still within the `staleWhileRevalidate` window.
   */
  get(key: K): V | undefined {
    const i = this._map.get(key);
    if (i === undefined) {
      this._misses++;
      return undefined;
    }
    // Kept small so that it inlines into callers; the TTL work is out of line.
    if (this.#expires !== undefined && !this.#liveOnRead(i)) return undefined;
    // `_touch`, inlined by hand: the policy's hit is the hot path's only call.
    const counts = this.#counts;
    if (counts !== undefined) {
      const c = counts[i] as number;
      if (c < this.#countCap) counts[i] = c + 1;
    } else {
      this.#policy.hit(i);
    }
    this._hits++;
    return this._vals[i];
  }

  /**
   * Store `value` under `key`, first evicting the policy's victims while the cache is at `max` or the new
   * size would pass `maxSize` (an overwrite counts as an access). A replaced value is reported with reason
   * `'set'`. `set(key, undefined)` is `delete(key)`. A pending `getOrLoad` for `key` is detached.
   *
   * `sizeOf` and the clock are called before anything changes, so a `sizeOf` that throws (or calls the cache)
   * leaves the cache as it was.
   *
   * @returns `false` when the value was not stored because `sizeOf` exceeds `maxSize` (any previous entry for
   * `key` is then removed with reason `'set'`).
   * @throws {TypeError}/{@link RangeError} for bad `options` (an unknown key, a bad `ttl`) or a bad `sizeOf` result.
   */
  set(key: K, value: V, options?: SetOptions): boolean {
    if (value === undefined) {
      this.delete(key);
      return false;
    }
    let ttl = this._defaultTtl;
    if (options !== undefined) {
      const t = setOptionsTtl(options);
      if (t !== undefined) {
        ttl = t;
        if (this.#expires === undefined && ttl !== INF) this.#initTtl();
      }
    }
    let size = 0;
    if (this._sizes !== undefined) {
      size = checkSize((this._sizeOf as (value: V, key: K) => number)(value, key));
      if (size > this.maxSize) {
        if (this._flights !== undefined) this._flights.detach(key);
        const old = this._map.get(key);
        if (old !== undefined) {
          this._remove(old, 'set', false);
          this._drain();
        }
        return false;
      }
    }
    let now = 0;
    if (this.#expires !== undefined) {
      const time = this._time;
      now = time.nowValid ? time.cachedNow : time.readClock();
    }
    if (this._flights !== undefined) this._flights.detach(key);
    const map = this._map;
    let i = map.get(key);
    if (i === undefined) {
      while (map.size > 0 && (map.size >= this.max || this._totalSize + size > this.maxSize)) this.#evictOne(now);
      i = this.#allocate();
      map.set(key, i);
      this._keys[i] = key;
      this._vals[i] = value;
      this.#policy.insert(i, key);
    } else {
      const old = this._vals[i] as V;
      if (!Object.is(old, value)) {
        this._vals[i] = value;
        const ev = this._evicted ?? this._lazyEvicted();
        if (ev !== undefined) ev.push(key, old, 'set');
      }
      const sizes = this._sizes;
      if (sizes !== undefined && this._totalSize - (sizes[i] as number) + size > this.maxSize) {
        // Growing past maxSize: step out of the policy's queues so that the entry cannot be its own victim.
        this.#policy.remove(i, key, false);
        this._totalSize -= sizes[i] as number;
        sizes[i] = 0;
        while (this._totalSize + size > this.maxSize) this.#evictOne(now);
        this.#policy.insert(i, key);
      } else {
        this.#policy.hit(i);
      }
    }
    // Read again: `#allocate` may have grown (replaced) the arrays.
    const expires = this.#expires;
    if (expires !== undefined) {
      const expiresAt = now + ttl;
      expires[i] = expiresAt;
      if (this._ttls !== undefined) this._ttls[i] = ttl;
      if (this._autoPurge && expiresAt < this._time.purgeDue) this._time.schedulePurge(expiresAt);
    }
    const sizes = this._sizes;
    if (sizes !== undefined) {
      this._totalSize += size - (sizes[i] as number);
      sizes[i] = size;
    }
    if (this._evicted !== undefined && this._evicted.length > 0) this._evicted.drain();
    return true;
  }

  // ---- the slot layout, for the shared cold paths ------------------------------------------------------

  /** @internal Record a hit on slot `i`: bump its counter inline (S3-FIFO, SIEVE) or call the policy's `hit`. */
  _touch(i: number): void {
    const counts = this.#counts;
    if (counts !== undefined) {
      const c = counts[i] as number;
      if (c < this.#countCap) counts[i] = c + 1;
    } else {
      this.#policy.hit(i);
    }
  }

  /** @internal */
  _tracksTtl(): boolean {
    return this.#expires !== undefined;
  }

  /** @internal */
  _expiresAt(i: number): number {
    const expires = this.#expires;
    return expires === undefined ? INF : (expires[i] as number);
  }

  /** @internal */
  _setExpiresAt(i: number, at: number): void {
    (this.#expires as Float64Array)[i] = at;
  }

  /** @internal The policy's keep-longest-first order. */
  _order(): number[] {
    return this.#policy.order();
  }

  /** @internal */
  _resetSlots(): void {
    this.#policy.clear();
    this.#used = 0;
    this.#freeCount = 0;
  }

  /** @internal */
  _unlinkSlot(i: number, key: K, evicted: boolean): void {
    this.#policy.remove(i, key, evicted);
    this.#free[this.#freeCount++] = i;
  }

  // ---- internals ---------------------------------------------------------------------------------------

  /**
   * TTL part of `get`: whether slot `i` is live; restarts its TTL with `updateAgeOnGet`; an expired entry
   * counts a miss and is removed (reason `'expire'`) unless within `staleWhileRevalidate`.
   */
  #liveOnRead(i: number): boolean {
    const expires = this.#expires as Float64Array;
    const time = this._time;
    const now = time.nowValid ? time.cachedNow : time.readClock();
    const expiresAt = expires[i] as number;
    if (now >= expiresAt) {
      this._misses++;
      if (now >= expiresAt + this._swr) {
        this._remove(i, 'expire', false);
        this._drain();
      }
      return false;
    }
    if (this._ttls !== undefined) expires[i] = now + (this._ttls[i] as number);
    return true;
  }

  #initTtl(): void {
    this.#expires = new Float64Array(this._capacity).fill(INF);
    if (this._updateAgeOnGet) this._ttls = new Float64Array(this._capacity).fill(INF);
  }

  #allocate(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount] as number;
    if (this.#used === this._capacity) this.#grow();
    return this.#used++;
  }

  #grow(): void {
    const capacity = Math.min(this.max, this._capacity * 2, 0xfffffffe);
    this._capacity = capacity;
    this._keys = growArray(this._keys, capacity);
    this._vals = growArray(this._vals, capacity);
    this.#free = growU32(this.#free, capacity);
    this.#policy.grow(capacity);
    this.#counts = this.#policy.counts;
    if (this._sizes !== undefined) this._sizes = growF64(this._sizes, capacity, 0);
    if (this.#expires !== undefined) this.#expires = growF64(this.#expires, capacity, INF);
    if (this._ttls !== undefined) this._ttls = growF64(this._ttls, capacity, INF);
  }

  /** Evict the policy's victim (reason `'expire'` when it has already expired at `now`). */
  #evictOne(now: number): void {
    const i = this.#policy.victim();
    const expires = this.#expires;
    this._remove(i, expires !== undefined && now >= (expires[i] as number) ? 'expire' : 'evict', true);
  }
}
