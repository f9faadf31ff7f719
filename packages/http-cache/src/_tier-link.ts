// The engine's link to an optional shared response tier (Redis through @scaling/cache-redis): loads on a
// local miss, writes stores and purges through, mirrors the tier's invalidations into the local store.
import type { HttpCacheStore } from './http-cache-store.js';
import { fromTier, type SharedResponseTier, tierTags, toTier } from './shared-tier.js';
import { storeTtl } from './stored-entry.js';

/**
 * The engine's glue to a shared response tier (a `TieredCache` over Redis, say): checks the tier's
 * shape, mirrors the tier's invalidations into the local store, copies variants in on a local miss and
 * writes stores and purges through without waiting. A failed tier read or write never fails a request:
 * it calls `onError` (the engine counts it as `tierErrors`) — once per rejected tier call, and once per
 * `l2-error` event of the tier (a failed, timed-out or breaker-skipped Redis command; not `subscribe` or `probe`).
 */
export class TierLink {
  readonly #tier: SharedResponseTier;
  readonly #store: HttpCacheStore;
  readonly #onError: () => void;

  /** @throws {TypeError} when `tier` lacks one of `get`, `set`, `delete`, `deleteByTag`. */
  constructor(tier: SharedResponseTier, store: HttpCacheStore, onError: () => void) {
    for (const m of ['get', 'set', 'delete', 'deleteByTag'] as const) {
      if (typeof tier[m] !== 'function') throw new TypeError(`Expected \`tier\` to have a ${m}() method (a TieredCache)`);
    }
    this.#tier = tier;
    this.#store = store;
    this.#onError = onError;
    tier.on?.('invalidation', ({ key, tag }) => {
      if (key !== undefined) store.delete(key);
      else if (tag === '') store.clear();
      else if (tag !== undefined) store.purgeSurrogateKey(tag);
    });
    // A TieredCache never rejects for Redis: a failed read resolves as a miss and a failed write as
    // 'queued', so its failures are counted from its `l2-error` events (new-user review, 2026-12:
    // `tierErrors` stayed 0 with Redis down). The bus subscription's retries and the open breaker's timed
    // probe are the tier's own background commands, not reads or writes of this cache.
    tier.on?.('l2-error', ({ operation }) => {
      if (operation !== 'subscribe' && operation !== 'probe') this.#onError();
    });
  }

  /**
   * Copies `key`'s variants from the shared tier into the local store, each for what is left of its
   * life at `now` (ms since the epoch); `true` when there were any.
   */
  async load(key: string, now: () => number, staleRetentionMs: number): Promise<boolean> {
    let variants: ReturnType<typeof fromTier>;
    try {
      variants = fromTier(await this.#tier.get(key));
    } catch {
      this.#onError();
      return false;
    }
    if (variants === undefined || variants.length === 0) return false;
    const t = now();
    for (const v of [...variants].reverse()) {
      const ttl = storeTtl(v, t, staleRetentionMs);
      if (ttl > 0) this.#store.put(key, v, ttl);
    }
    return true;
  }

  /** Shares the local store's variants of `key` for `ttl` ms, tagged with their surrogate keys. */
  set(key: string, ttl: number): void {
    const variants = toTier(this.#store.variants(key));
    const tags = tierTags([...new Set(variants.flatMap((v) => v.surrogateKeys))]);
    this.#write(() => this.#tier.set(key, variants, { ttl, tags }));
  }

  /** Removes `key` from the shared tier. */
  delete(key: string): void {
    this.#write(() => this.#tier.delete(key));
  }

  /** Removes surrogate key `tag`'s entries from the shared tier (when the tier can hold that tag). */
  deleteByTag(tag: string): void {
    if (tierTags([tag]).length === 1) this.#write(() => this.#tier.deleteByTag(tag));
  }

  #write(op: () => Promise<unknown>): void {
    try {
      op().catch(this.#onError);
    } catch {
      this.#onError();
    }
  }
}
