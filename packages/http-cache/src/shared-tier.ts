// The shared response tier's contract and the stored-response encoding it carries.
import type { CacheControl } from './cache-control.js';
import type { CachedResponse } from './cached-response.js';
import type { HeaderMap } from './headers.js';

/** A stored variant as written to a shared tier: plain JSON-able fields (`null` for an absent `Vary` field). */
export interface TierVariant {
  /** The status code. */
  status: number;
  /** The stored header fields. */
  headers: HeaderMap;
  /** The whole body. */
  body: Buffer;
  /** The request fields it varies on. */
  varyNames: string[];
  /** Their normalised values on the request that stored it (`null`: absent). */
  varyValues: (string | null)[];
  /** Surrogate keys it was stored under. */
  surrogateKeys: string[];
  /** The directives this cache obeys. */
  cacheControl: CacheControl;
  /** Corrected initial age, ms. */
  initialAgeMs: number;
  /** When it was received, ms since the epoch. */
  responseTime: number;
  /** Freshness lifetime, ms. */
  freshnessMs: number;
}

/**
 * A store shared by every instance, behind the in-process store: `@scaling/cache-redis`'s `TieredCache`
 * fits as is (`createTieredCache<TierVariant[]>({ redis, prefix })`); only these members are used
 * (structural: no dependency on it).
 */
export interface SharedResponseTier {
  /** The variants stored under `key`, or `undefined`. */
  get(key: string): Promise<TierVariant[] | undefined>;
  /** Stores the variants of `key` for `ttl` ms, tagged with their surrogate keys. */
  set(key: string, value: TierVariant[], options: { ttl: number; tags?: readonly string[] }): Promise<unknown>;
  /** Removes `key` on every instance. */
  delete(key: string): Promise<unknown>;
  /** Removes every key tagged `tag` on every instance. */
  deleteByTag(tag: string): Promise<unknown>;
  /**
   * The tier's events the engine listens to: `'invalidation'` — published by the other instances (`key` or
   * `tag`; `tag: ''` = everything); `'l2-error'` — one of its Redis commands (`operation`) failed, timed out
   * or was skipped by its open breaker (a `TieredCache` answers such a read as a miss and such a write as
   * `'queued'`, without rejecting), counted in `tierErrors` unless `operation` is `'subscribe'` or `'probe'`
   * (the tier's own background commands).
   */
  on?(event: 'invalidation' | 'l2-error', listener: (payload: { key?: string; tag?: string; operation?: string }) => void): () => void;
}

/** The wire form of stored variants. */
export function toTier(variants: readonly CachedResponse[]): TierVariant[] {
  return variants.map((v) => ({
    status: v.status,
    headers: v.headers,
    body: v.body,
    varyNames: v.varyNames,
    varyValues: v.varyValues.map((x) => (x === undefined ? null : x)),
    surrogateKeys: v.surrogateKeys,
    cacheControl: v.cacheControl,
    initialAgeMs: v.initialAgeMs,
    responseTime: v.responseTime,
    freshnessMs: v.freshnessMs,
  }));
}

/** Stored variants from their wire form; `undefined` when the value is not one (another writer, a bad prefix). */
export function fromTier(value: unknown): CachedResponse[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: CachedResponse[] = [];
  for (const v of value as TierVariant[]) {
    if (v === null || typeof v !== 'object' || typeof v.status !== 'number' || !Buffer.isBuffer(v.body)) return undefined;
    out.push({ ...v, varyValues: v.varyValues.map((x) => (x === null ? undefined : x)) });
  }
  return out;
}

/** Tags a `TieredCache` accepts: non-empty, without `|`. */
export function tierTags(tags: readonly string[]): string[] {
  return tags.filter((t) => t !== '' && !t.includes('|'));
}
