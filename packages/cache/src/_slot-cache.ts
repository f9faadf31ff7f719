import type { Clock, Listener } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import { clearSlots, sweepExpired } from './_bulk-removal.js';
import { EVICT_CHANNEL, EvictionQueue } from './_eviction-queue.js';
import { ExpiryClock } from './_expiry-clock.js';
import { liveEntries, liveKeys, liveValues, orderedKeys } from './_iteration.js';
import { loadOptionsTtl, resolveOptions } from './_options.js';
import { SingleFlight } from './_single-flight.js';
import { cacheStats } from './_stats.js';
import type {
  BoundedCache,
  CacheEvents,
  CacheOptions,
  CacheStats,
  EvictionReason,
  GetOrLoadOptions,
  Loader,
  LoadResult,
  SetOptions,
} from './types.js';

const INF = Number.POSITIVE_INFINITY;
const EVENTS = ['evict'] as const;

/** What {@link SlotCache._probe} found: a live entry (hit recorded), one within stale-while-revalidate, or none. */
const LIVE = 0;
const STALE = 1;
const GONE = 2;

/**
 * The engine every cache of this package runs on (after isaacs/node-lru-cache): no object per entry — a `Map`
 * gives each key a slot index, and per-slot state lives in arrays at that index. This class holds the state
 * and the cold paths that do not depend on the slot layout: options, size accounting, `has`/`peek`, `delete`,
 * `clear`, the expiry sweep, iteration, `getOrLoad`, removal notifications and stats. A subclass supplies the
 * slot layout and the hot paths that depend on it — `get`, `set`, how a hit is recorded (`_touch`), which
 * entry goes (`set`'s eviction), where expiry times live — through the `_`-prefixed abstract methods.
 *
 * State is in ordinary (internal, stripped from the `.d.ts`) fields rather than `#private` ones so that a subclass's hot path reads
 * it directly: measured on this machine, a `Map` lookup + list move + counter through a shared base costs the
 * same as through `#private` fields (within noise; see the cache changeset).
 */
export abstract class SlotCache<K, V> implements BoundedCache<K, V> {
  /** Maximum number of entries (`Infinity` when only `maxSize` limits the cache). */
  readonly max: number;
  /** Maximum total size (`Infinity` without `maxSize`). */
  readonly maxSize: number;

  /** @internal key → slot */
  readonly _map = new Map<K, number>();
  /** @internal */
  _keys: Array<K | undefined>;
  /** @internal */
  _vals: Array<V | undefined>;
  /** @internal slots allocated (the arrays double from 16 up to `max`) */
  _capacity: number;
  /** @internal */
  readonly _sizeOf: ((value: V, key: K) => number) | undefined;
  /** @internal size per slot, only with `maxSize` */
  _sizes: Float64Array | undefined;
  /** @internal */
  _totalSize = 0;
  /** @internal default TTL (`Infinity` = none) */
  readonly _defaultTtl: number;
  /** @internal */
  readonly _updateAgeOnGet: boolean;
  /** @internal */
  readonly _swr: number;
  /** @internal */
  readonly _autoPurge: boolean;
  /** @internal TTL per slot, kept only with `updateAgeOnGet` (to restart it) */
  _ttls: Float64Array | undefined = undefined;
  /** @internal clock-reading reuse and the automatic purge timer */
  readonly _time: ExpiryClock;
  /**
   * @internal removals waiting for `onEvict` and the `evict` event (`undefined` until there is an `onEvict`, an
   * `on('evict')` listener or a `scaling:cache:evict` channel subscriber)
   */
  _evicted: EvictionQueue<K, V> | undefined;
  /** @internal the `evict` event's listeners and channel */
  readonly _events: Emitter<CacheEvents<K, V>>;
  /** @internal the time source of loads (`loadDuration`) */
  readonly _clock: Clock;
  /** @internal */
  _flights: SingleFlight<K, V> | undefined = undefined;
  /** @internal */
  readonly _ignoreLoadAbort: boolean;
  /** @internal */
  _hits = 0;
  /** @internal */
  _misses = 0;
  /** @internal */
  _evictions = 0;
  /** @internal */
  _expirations = 0;
  /** @internal `getOrLoad` answers served stale (within `staleWhileRevalidate`) */
  _staleHits = 0;

  /** @internal */
  constructor(where: string, options: CacheOptions<K, V>, knownOptions: readonly string[], initialCapacity: number) {
    const o = resolveOptions(where, options, knownOptions);
    this.max = o.max;
    this.maxSize = o.maxSize;
    this._sizeOf = o.sizeOf;
    this._defaultTtl = o.ttl;
    this._updateAgeOnGet = o.updateAgeOnGet;
    this._swr = o.staleWhileRevalidate;
    this._autoPurge = o.autoPurge;
    this._ignoreLoadAbort = o.ignoreLoadAbort;
    this._events = new Emitter<CacheEvents<K, V>>('cache', EVENTS, this);
    this._evicted = o.onEvict === undefined ? undefined : new EvictionQueue(o.onEvict, this._events);
    this._clock = o.clock;
    this._time = new ExpiryClock(o.clock, o.ttlResolution, () => {
      sweepExpired(this);
      this._drain();
    });
    const capacity = Math.min(this.max, initialCapacity);
    this._capacity = capacity;
    this._keys = new Array<K | undefined>(capacity).fill(undefined);
    this._vals = new Array<V | undefined>(capacity).fill(undefined);
    this._sizes = this._sizeOf === undefined ? undefined : new Float64Array(capacity);
  }

  // ---- the slot layout (subclass) ---------------------------------------------------------------------

  /** The value for `key`, recording the access; `undefined` when absent or expired. */
  abstract get(key: K): V | undefined;
  /** Store `value`; `false` when it was not stored (larger than `maxSize`). */
  abstract set(key: K, value: V, options?: SetOptions): boolean;
  /** @internal Record a hit on slot `i` for the eviction order. */
  abstract _touch(i: number): void;
  /** @internal Expiry time of slot `i` (`Infinity`: never, or no TTL tracking). */
  abstract _expiresAt(i: number): number;
  /** @internal Set the expiry time of slot `i` (only with TTL tracking on). */
  abstract _setExpiresAt(i: number, at: number): void;
  /** @internal Whether TTL tracking is on (expiry times are stored). */
  abstract _tracksTtl(): boolean;
  /** @internal Take slot `i` out of the eviction order and free it; `evicted` when it was the victim. */
  abstract _unlinkSlot(i: number, key: K, evicted: boolean): void;
  /** @internal Every stored slot, the one kept longest first (LRU: most recently used first). */
  abstract _order(): number[];
  /** @internal Forget every slot (clear): the order and the free slots. */
  abstract _resetSlots(): void;

  // ---- reads -------------------------------------------------------------------------------------------

  /** Entries stored, including expired ones that no read, sweep or eviction has removed yet. */
  get size(): number {
    return this._map.size;
  }

  /** Sum of the stored entries' sizes (0 without `maxSize`). */
  get totalSize(): number {
    return this._totalSize;
  }

  /** The value for `key` without recording an access or counting stats; `undefined` when absent or expired. */
  peek(key: K): V | undefined {
    const i = this._map.get(key);
    if (i === undefined || this._isStale(i)) return undefined;
    return this._vals[i];
  }

  /** Whether a live (unexpired) entry exists for `key`, without recording an access or counting stats. */
  has(key: K): boolean {
    const i = this._map.get(key);
    return i !== undefined && !this._isStale(i);
  }

  /**
   * Milliseconds until `key` expires by the rule `now − setAt ≥ ttl`: `Infinity` for an entry without TTL,
   * `0` when absent or expired.
   */
  remainingTtl(key: K): number {
    const i = this._map.get(key);
    if (i === undefined) return 0;
    if (!this._tracksTtl()) return INF;
    return Math.max(this._expiresAt(i) - this._time.now(), 0);
  }

  // ---- writes ------------------------------------------------------------------------------------------

  /**
   * Remove `key` (reason `'delete'`). A pending `getOrLoad` for `key` is detached: its late result is
   * dropped. Returns `true` when a live entry was removed.
   */
  delete(key: K): boolean {
    if (this._flights !== undefined) this._flights.detach(key);
    const i = this._map.get(key);
    if (i === undefined) return false;
    const live = !this._isStale(i);
    this._remove(i, 'delete', false);
    this._drain();
    return live;
  }

  /**
   * Remove every entry (each reported once with reason `'clear'`, the next victims first — LRU: least
   * recently used first) and detach pending loads.
   */
  clear(): void {
    clearSlots(this);
  }

  /** Remove every expired entry now (reason `'expire'`); returns how many were removed. O(n). */
  purgeStale(): number {
    const removed = sweepExpired(this);
    this._drain();
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
   *   caller has aborted (unless the cache's `ignoreLoadAbort` keeps the load).
   * - Within `staleWhileRevalidate` ms after expiry, resolves at once with the stale value and refreshes
   *   it in the background (one refresh per key); the refreshed value is stored when it arrives.
   * - A loader that calls `getOrLoad` for its own key synchronously gets a rejection with
   *   {@link ReentrantLoadError} (`ERR_CACHE_REENTRANT_LOAD`).
   *
   * To know whether the value was a hit, a miss or stale, use {@link getOrLoadWithStatus}.
   *
   * @param options - `signal`, and `ttl` (ms) for the loaded value.
   * @throws {TypeError}/{@link RangeError} (synchronously) for bad options (an unknown key, a bad `ttl` or `signal`).
   */
  getOrLoad(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<V> {
    const ttl = options === undefined ? undefined : loadOptionsTtl(options);
    const i = this._map.get(key);
    if (i !== undefined) {
      const found = this._probe(i);
      if (found === LIVE) return Promise.resolve(this._vals[i] as V);
      if (found === STALE) return Promise.resolve(this._refresh(key, i, loader, ttl));
    }
    this._misses++;
    return this._singleFlight().load(key, loader, undefined, ttl, options?.signal);
  }

  /**
   * {@link getOrLoad}, resolving with `{ value, status }`: `status` says where the value came from — `'hit'`
   * (a live entry), `'stale'` (an expired entry within `staleWhileRevalidate`, refreshed in the background)
   * or `'miss'` (a loader call, started by this call or joined) — decided when the call is made, so it is
   * right however many callers run at once. lru-cache users know this as `fetch(key, { status })`.
   *
   * @example
   * ```ts
   * const { value, status } = await cache.getOrLoadWithStatus(id, loadProduct);
   * res.setHeader('x-cache', status); // 'hit' | 'miss' | 'stale'
   * ```
   * @throws {TypeError}/{@link RangeError} (synchronously) for bad options, as {@link getOrLoad}.
   */
  getOrLoadWithStatus(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<LoadResult<V>> {
    const ttl = options === undefined ? undefined : loadOptionsTtl(options);
    const i = this._map.get(key);
    if (i !== undefined) {
      const found = this._probe(i);
      if (found === LIVE) return Promise.resolve({ value: this._vals[i] as V, status: 'hit' });
      if (found === STALE) return Promise.resolve({ value: this._refresh(key, i, loader, ttl), status: 'stale' });
    }
    this._misses++;
    return this._singleFlight()
      .load(key, loader, undefined, ttl, options?.signal)
      .then((value) => ({ value, status: 'miss' }));
  }

  // ---- iteration ---------------------------------------------------------------------------------------

  /**
   * Keys of live entries, in the keep-longest-first order (LRU: most recently used first). The order is taken
   * when iteration starts; entries deleted or expired before they are reached are skipped, entries added
   * meanwhile are not visited, and iterating records no access.
   */
  keys(): IterableIterator<K> {
    return liveKeys(this, () => orderedKeys(this));
  }

  /** Values of live entries (same order and rules as {@link keys}). */
  values(): IterableIterator<V> {
    return liveValues(this, () => orderedKeys(this));
  }

  /** `[key, value]` pairs of live entries (same order and rules as {@link keys}). */
  entries(): IterableIterator<[K, V]> {
    return liveEntries(this, () => orderedKeys(this));
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /**
   * A snapshot of the cache's counters, gauges and load latency (a fresh object each call; reading it changes
   * nothing). Counters add up: `hits + misses === lookups`. See {@link CacheStats} and the package README's table.
   */
  stats(): CacheStats {
    return cacheStats(this);
  }

  /**
   * Calls `listener` with each `event`'s payload until the returned function is called (see `docs/events.md`).
   * Events: `'evict'` — an entry left the cache (`{ key, value, reason }`, after `onEvict`, once the cache is
   * consistent). Also published on `node:diagnostics_channel` as `scaling:cache:evict` (payload plus `source`).
   * @throws {TypeError} when `event` is not `'evict'` or `listener` is not a function.
   */
  on<E extends keyof CacheEvents<K, V> & string>(event: E, listener: Listener<CacheEvents<K, V>[E]>): () => void {
    const off = this._events.on(event, listener);
    if (this._evicted === undefined) this._evicted = new EvictionQueue(undefined, this._events);
    return off;
  }

  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<E extends keyof CacheEvents<K, V> & string>(event: E, listener: Listener<CacheEvents<K, V>[E]>): void {
    this._events.off(event, listener);
  }

  // ---- shared internals --------------------------------------------------------------------------------

  /** @internal Expired by the one rule `now − setAt ≥ ttl`, i.e. `now ≥ setAt + ttl`. */
  _isStale(i: number): boolean {
    if (!this._tracksTtl()) return false;
    const time = this._time;
    return (time.nowValid ? time.cachedNow : time.readClock()) >= this._expiresAt(i);
  }

  /**
   * @internal The `getOrLoad` read of slot `i`: a live entry is touched (TTL restarted with `updateAgeOnGet`)
   * and counted as a hit; one within stale-while-revalidate is counted as a hit; an expired one is removed.
   */
  _probe(i: number): number {
    if (this._tracksTtl()) {
      const now = this._time.now();
      const expiresAt = this._expiresAt(i);
      if (now >= expiresAt) {
        if (now < expiresAt + this._swr) {
          this._hits++;
          this._staleHits++;
          return STALE;
        }
        this._remove(i, 'expire', false);
        this._drain();
        return GONE;
      }
      if (this._ttls !== undefined) this._setExpiresAt(i, now + (this._ttls[i] as number));
    }
    this._touch(i);
    this._hits++;
    return LIVE;
  }

  /** @internal Start the background refresh of the stale entry in slot `i`; returns the stale value. */
  _refresh(key: K, i: number, loader: Loader<K, V>, ttl: number | undefined): V {
    const stale = this._vals[i] as V;
    this._singleFlight().refresh(key, loader, stale, ttl);
    return stale;
  }

  /** @internal */
  _singleFlight(): SingleFlight<K, V> {
    if (this._flights === undefined) this._flights = new SingleFlight(this, this._ignoreLoadAbort, this._clock);
    return this._flights;
  }

  /** @internal Remove slot `i` entirely (map, order, sizes), queueing `onEvict`. */
  _remove(i: number, reason: EvictionReason, evicted: boolean): void {
    const key = this._keys[i] as K;
    if (reason === 'evict') this._evictions++;
    else if (reason === 'expire') this._expirations++;
    const queue = this._evicted ?? this._lazyEvicted();
    if (queue !== undefined) queue.push(key, this._vals[i] as V, reason);
    this._map.delete(key);
    if (this._sizes !== undefined) {
      this._totalSize -= this._sizes[i] as number;
      this._sizes[i] = 0;
    }
    this._unlinkSlot(i, key, evicted);
    this._keys[i] = undefined;
    this._vals[i] = undefined;
  }

  /**
   * @internal The removal queue when a `scaling:cache:evict` channel subscriber appeared after construction (created
   * then, kept after); `undefined` while nobody listens, so a removal costs one channel check.
   */
  _lazyEvicted(): EvictionQueue<K, V> | undefined {
    if (!EVICT_CHANNEL.hasSubscribers) return undefined;
    const evicted = new EvictionQueue<K, V>(undefined, this._events);
    this._evicted = evicted;
    return evicted;
  }

  /** @internal Deliver queued removals to `onEvict`; the first error a listener threw is rethrown. */
  _drain(): void {
    if (this._evicted !== undefined) this._evicted.drain();
  }
}
