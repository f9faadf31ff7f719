// The in-process store of responses: variants per URL (Vary), a byte budget, surrogate-key tags.
import { Cache, type CachePolicy } from '@scaling/cache';
import type { Clock } from '@scaling/core';
import { assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import type { CachedResponse } from './cached-response.js';
import type { HeaderMap } from './headers.js';
import { varyMatches } from './vary.js';

/** Options of {@link HttpCacheStore}. */
export interface HttpCacheStoreOptions {
  /** Total bytes of stored bodies and headers (default 64 MiB). */
  maxSizeBytes?: number;
  /** Largest single response stored, in bytes (default 1/16 of `maxSizeBytes`); larger ones pass through. */
  maxEntrySizeBytes?: number;
  /** Eviction policy of the underlying `@scaling/cache` (default `'s3fifo'`). */
  policy?: CachePolicy;
  /** Time source (default `systemClock`). */
  clock?: Clock;
}

/** Variants kept per URL: a `Vary` on a high-cardinality field cannot fill the store with one URL. */
const MAX_VARIANTS = 32;

const STORE_KEYS = ['maxSizeBytes', 'maxEntrySizeBytes', 'policy', 'clock'] as const;

function entrySize(entry: CachedResponse): number {
  let size = entry.body.length + 64;
  for (const name of Object.keys(entry.headers)) {
    const value = entry.headers[name];
    size += name.length + (typeof value === 'string' ? value.length : (value?.join('').length ?? 0));
  }
  return size;
}

/**
 * The byte-bounded store of an HTTP cache: a `@scaling/cache` `Cache` (S3-FIFO by default) from a primary
 * key (the URL) to its stored variants (one per `Vary` selection), plus an index from surrogate key to
 * primary keys. Entries expire when no longer servable (freshness + the longer stale window, or kept for
 * revalidation when they have a validator).
 *
 * @throws {TypeError} on unknown options. @throws {RangeError} on non-positive sizes.
 * @example
 * ```ts
 * const store = new HttpCacheStore({ maxSizeBytes: 32 * 1024 * 1024 });
 * ```
 */
export class HttpCacheStore {
  readonly #cache: Cache<string, CachedResponse[]>;
  readonly #tags = new Map<string, Set<string>>();
  readonly #evictListeners: ((key: string, reason: 'evict' | 'expire') => void)[] = [];
  /** The per-entry size cap in bytes. */
  readonly maxEntrySizeBytes: number;

  constructor(options: HttpCacheStoreOptions = {}) {
    assertOptions('HttpCacheStore', options, STORE_KEYS, { max: 'use `maxSizeBytes` (bytes)' });
    const maxSizeBytes = options.maxSizeBytes ?? 64 * 1024 * 1024;
    assertPositiveInteger('maxSizeBytes', maxSizeBytes);
    this.maxEntrySizeBytes = options.maxEntrySizeBytes ?? Math.max(1, Math.floor(maxSizeBytes / 16));
    assertPositiveInteger('maxEntrySizeBytes', this.maxEntrySizeBytes);
    if (this.maxEntrySizeBytes > maxSizeBytes)
      throw new RangeError(
        `Expected \`maxEntrySizeBytes\` to be at most \`maxSizeBytes\` (${maxSizeBytes}), got ${this.maxEntrySizeBytes}`,
      );
    this.#cache = new Cache<string, CachedResponse[]>({
      maxSize: maxSizeBytes,
      sizeOf: (variants) => variants.reduce((sum, e) => sum + entrySize(e), 0),
      policy: options.policy ?? 's3fifo',
      ...(options.clock ? { clock: options.clock } : {}),
      onEvict: (key, variants, reason) => {
        this.#untag(key, variants);
        if (reason === 'evict' || reason === 'expire') for (const l of this.#evictListeners) l(key, reason);
      },
    });
  }

  /** Bytes stored. */
  get sizeBytes(): number {
    return this.#cache.totalSize;
  }

  /** URLs (primary keys) stored. */
  get keys(): number {
    return this.#cache.size;
  }

  /**
   * Calls `listener` when a URL leaves the store for room (`'evict'`) or expiry (`'expire'`) — not on
   * `delete`/`clear`/replacement. The engine turns it into its `evict` event. Returns the unsubscribe function.
   */
  onEvict(listener: (key: string, reason: 'evict' | 'expire') => void): () => void {
    this.#evictListeners.push(listener);
    return () => {
      const i = this.#evictListeners.indexOf(listener);
      if (i >= 0) this.#evictListeners.splice(i, 1);
    };
  }

  /** The stored variant of `key` matching `requestHeaders` by `Vary`, or `undefined`. */
  lookup(key: string, requestHeaders: HeaderMap): CachedResponse | undefined {
    const variants = this.#cache.get(key);
    if (variants === undefined) return undefined;
    for (const entry of variants) {
      if (varyMatches(entry.varyNames, entry.varyValues, requestHeaders)) return entry;
    }
    return undefined;
  }

  /**
   * Stores `entry` under `key`, replacing the variant with the same `Vary` selection. `ttlMs` is how long
   * it stays (0 = until evicted). Returns `false` when it is larger than `maxEntrySizeBytes`.
   */
  put(key: string, entry: CachedResponse, ttlMs: number): boolean {
    if (entrySize(entry) > this.maxEntrySizeBytes) return false;
    const previous = this.#cache.peek(key) ?? [];
    const same = (e: CachedResponse): boolean =>
      e.varyNames.join('\n') === entry.varyNames.join('\n') && e.varyValues.every((v, i) => v === entry.varyValues[i]);
    const variants = previous.filter((e) => !same(e));
    variants.unshift(entry);
    if (variants.length > MAX_VARIANTS) variants.length = MAX_VARIANTS; // the oldest selections go first
    const stored = this.#cache.set(key, variants, { ttl: ttlMs });
    if (stored) {
      for (const tag of entry.surrogateKeys) {
        let keys = this.#tags.get(tag);
        if (keys === undefined) this.#tags.set(tag, (keys = new Set()));
        keys.add(key);
      }
    }
    // Tags only the replaced variant carried no longer name this URL.
    this.#untag(
      key,
      previous.filter((e) => !variants.includes(e)),
    );
    return stored;
  }

  /** Every variant stored under `key` (newest first), without touching recency; `[]` when none. */
  variants(key: string): readonly CachedResponse[] {
    return this.#cache.peek(key) ?? [];
  }

  /** Removes every variant stored under `key`; `true` when there was one. */
  delete(key: string): boolean {
    return this.#cache.delete(key);
  }

  /** Removes every response stored with surrogate key `tag`; returns how many URLs were purged. */
  purgeSurrogateKey(tag: string): number {
    const keys = this.#tags.get(tag);
    if (keys === undefined) return 0;
    let purged = 0;
    for (const key of [...keys]) if (this.#cache.delete(key)) purged++;
    this.#tags.delete(tag);
    return purged;
  }

  /** Removes everything. */
  clear(): void {
    this.#cache.clear();
    this.#tags.clear();
  }

  #untag(key: string, removed: readonly CachedResponse[]): void {
    const kept = this.#cache.peek(key) ?? [];
    for (const entry of removed) {
      for (const tag of entry.surrogateKeys) {
        if (kept.some((e) => e.surrogateKeys.includes(tag))) continue;
        const keys = this.#tags.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) this.#tags.delete(tag);
      }
    }
  }
}
