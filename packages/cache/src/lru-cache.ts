import { growArray, growF64, growU32 } from './_grow.js';
import { CACHE_OPTION_KEYS, checkSize, setOptionsTtl } from './_options.js';
import { SlotCache } from './_slot-cache.js';
import type { CacheOptions, EvictionReason, SetOptions } from './types.js';

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
export class LruCache<K, V> extends SlotCache<K, V> {
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
  /** Slots handed out so far (slots ≥ this were never used). */
  #used = 0;
  /** First free slot (chained through the `next` words), or NIL. */
  #free = NIL;
  /**
   * Float64 view of `#links` when TTL tracking is on: slot `i` expires at `[(i << 1) | 1]` (`setAt + ttl`,
   * `Infinity` = never).
   */
  #expires: Float64Array | undefined = undefined;

  /**
   * @param options - limits, TTL, listener and clock; see {@link CacheOptions}.
   * @throws {TypeError} when an option has the wrong type (e.g. `max: "10"`, `maxSize` without `sizeOf`) or
   * is unknown (e.g. lru-cache's `maxAge`: the message names ours, `ttl`).
   * @throws {RangeError} when an option is out of range (`max` of 0, negative, NaN or 2.5; negative `ttl`).
   */
  constructor(options: CacheOptions<K, V>) {
    super('LruCache', options, CACHE_OPTION_KEYS, INITIAL_CAPACITY);
    this.#links = new Uint32Array(this._capacity << 1);
    if (this._defaultTtl !== INF) this.#initTtl();
  }

  // ---- hot paths: the recency list ----------------------------------------------------------------------

  /**
   * The value for `key`, making it the most recently used (and restarting its TTL with `updateAgeOnGet`).
   * `undefined` when absent or expired; an expired entry is removed (reason `'expire'`) unless it is
   * still within the `staleWhileRevalidate` window.
   */
  get(key: K): V | undefined {
    const i = this._map.get(key);
    if (i === undefined) {
      this._misses++;
      return undefined;
    }
    const expires = this.#expires;
    if (expires !== undefined) {
      const time = this._time;
      const now = time.nowValid ? time.cachedNow : time.readClock();
      const expiresAt = expires[(i << 1) | 1] as number;
      if (now >= expiresAt) {
        this._misses++;
        if (now >= expiresAt + this._swr) {
          this._remove(i, 'expire', false);
          this._drain();
        }
        return undefined;
      }
      if (this._ttls !== undefined) expires[(i << 1) | 1] = now + (this._ttls[i] as number);
    }
    if (i !== this.#tail) this.#moveToTail(i);
    this._hits++;
    return this._vals[i];
  }

  /**
   * Store `value` under `key` as the most recently used entry, evicting least-recently-used entries past
   * `max`/`maxSize`. A replaced value is reported with reason `'set'`. `set(key, undefined)` is `delete(key)`.
   * A pending `getOrLoad` for `key` is detached: this value wins over its late result.
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
    // Arrays are read after `sizeOf` (which may have called the cache) and again after `#allocate`.
    let expires = this.#expires;
    const time = this._time;
    const now = expires === undefined ? 0 : time.nowValid ? time.cachedNow : time.readClock();
    if (this._flights !== undefined) this._flights.detach(key);
    let i = this._map.get(key);
    if (i === undefined) {
      if (this._map.size >= this.max) {
        // Full: recycle the least recently used slot in place.
        i = this.#head;
        const reason: EvictionReason = expires !== undefined && now >= (expires[(i << 1) | 1] as number) ? 'expire' : 'evict';
        if (reason === 'evict') this._evictions++;
        else this._expirations++;
        const oldKey = this._keys[i] as K;
        const ev = this._evicted ?? this._lazyEvicted();
        if (ev !== undefined) ev.push(oldKey, this._vals[i] as V, reason);
        this._map.delete(oldKey);
        if (this._sizes !== undefined) {
          this._totalSize -= this._sizes[i] as number;
          this._sizes[i] = 0;
        }
        // The only entry is already both head and tail.
        if (this._map.size > 0) this.#moveToTail(i);
      } else {
        i = this.#allocate();
        expires = this.#expires;
      }
      this._map.set(key, i);
      this._keys[i] = key;
      this._vals[i] = value;
    } else {
      const old = this._vals[i] as V;
      if (!Object.is(old, value)) {
        this._vals[i] = value;
        const ev = this._evicted ?? this._lazyEvicted();
        if (ev !== undefined) ev.push(key, old, 'set');
      }
      if (i !== this.#tail) this.#moveToTail(i);
    }
    if (expires !== undefined) {
      const expiresAt = now + ttl;
      expires[(i << 1) | 1] = expiresAt;
      if (this._ttls !== undefined) this._ttls[i] = ttl;
      if (this._autoPurge && expiresAt < time.purgeDue) time.schedulePurge(expiresAt);
    }
    const sizes = this._sizes;
    if (sizes !== undefined) {
      this._totalSize += size - (sizes[i] as number);
      sizes[i] = size;
      while (this._totalSize > this.maxSize) {
        const head = this.#head;
        this._remove(head, expires !== undefined && now >= (expires[(head << 1) | 1] as number) ? 'expire' : 'evict', true);
      }
    }
    if (this._evicted !== undefined && this._evicted.length > 0) this._evicted.drain();
    return true;
  }

  // ---- the slot layout, for the shared cold paths ------------------------------------------------------

  /** @internal */
  _touch(i: number): void {
    if (i !== this.#tail) this.#moveToTail(i);
  }

  /** @internal */
  _tracksTtl(): boolean {
    return this.#expires !== undefined;
  }

  /** @internal */
  _expiresAt(i: number): number {
    const expires = this.#expires;
    return expires === undefined ? INF : (expires[(i << 1) | 1] as number);
  }

  /** @internal */
  _setExpiresAt(i: number, at: number): void {
    (this.#expires as Float64Array)[(i << 1) | 1] = at;
  }

  /** @internal Most recently used first. */
  _order(): number[] {
    const n = this._map.size;
    const out = new Array<number>(n);
    const links = this.#links;
    const s = this.#shift;
    for (let i = this.#tail, k = 0; k < n; k++, i = links[(i << s) + 1] as number) out[k] = i;
    return out;
  }

  /** @internal */
  _resetSlots(): void {
    this.#used = 0;
    this.#free = NIL;
  }

  /** @internal */
  _unlinkSlot(i: number): void {
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
    links[at] = this.#free;
    this.#free = i;
  }

  // ---- internals ---------------------------------------------------------------------------------------

  #initTtl(): void {
    // Widen each slot record from [next, prev] to [next, prev, expiresAt].
    const capacity = this._capacity;
    const old = this.#links;
    const links = new Uint32Array(capacity << 2);
    for (let i = 0; i < capacity; i++) {
      links[i << 2] = old[i << 1] as number;
      links[(i << 2) + 1] = old[(i << 1) + 1] as number;
    }
    const expires = new Float64Array(links.buffer);
    for (let i = 0; i < capacity; i++) expires[(i << 1) | 1] = INF;
    this.#links = links;
    this.#shift = 2;
    this.#expires = expires;
    if (this._updateAgeOnGet) {
      const ttls = new Float64Array(capacity);
      ttls.fill(INF);
      this._ttls = ttls;
    }
  }

  #allocate(): number {
    let i = this.#free;
    if (i !== NIL) {
      this.#free = this.#links[i << this.#shift] as number;
    } else {
      if (this.#used === this._capacity) this.#grow();
      i = this.#used++;
    }
    if (this._map.size === 0) {
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
    const capacity = Math.min(this.max, this._capacity * 2, NIL);
    this._capacity = capacity;
    this._keys = growArray(this._keys, capacity);
    this._vals = growArray(this._vals, capacity);
    const links = growU32(this.#links, capacity << this.#shift);
    this.#links = links;
    if (this._sizes !== undefined) this._sizes = growF64(this._sizes, capacity, 0);
    if (this.#expires !== undefined) {
      const expires = new Float64Array(links.buffer);
      for (let i = this.#used; i < capacity; i++) expires[(i << 1) | 1] = INF;
      this.#expires = expires;
    }
    if (this._ttls !== undefined) this._ttls = growF64(this._ttls, capacity, INF);
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
}
