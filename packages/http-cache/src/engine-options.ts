// The engine's public types: options, the `stats()` snapshot, events, the tracing context, per-request options.
import type { Clock, Histogram } from '@scaling/core';
import type { HttpCacheStore } from './http-cache-store.js';
import type { SharedResponseTier } from './shared-tier.js';

/** Options of `HttpCacheEngine` (and of every entry point built on it). */
export interface HttpCacheOptions {
  /** The store (default: a new {@link HttpCacheStore} with `maxSizeBytes`/`maxEntrySizeBytes`). */
  store?: HttpCacheStore;
  /** Bytes of the default store (default 64 MiB). Ignored with `store`. */
  maxSizeBytes?: number;
  /** Per-entry cap of the default store in bytes (default `maxSizeBytes / 16`). Ignored with `store`. */
  maxEntrySizeBytes?: number;
  /**
   * Targeted cache-control fields this cache obeys before `Cache-Control`, first match wins (RFC 9213;
   * lower-case; default `['cdn-cache-control']`). Put your own first, e.g. `['acme-cache-control',
   * 'cdn-cache-control']`. They are forwarded to clients unchanged.
   */
  targetedCacheControl?: readonly string[];
  /** Response field listing surrogate keys (space or comma separated; default `'surrogate-key'`); removed before responding. */
  surrogateKeyHeader?: string;
  /** How long a stale response with a validator is kept for revalidation, in ms (default 300 000). */
  staleRetentionMs?: number;
  /** One origin fetch for concurrent misses of a URL (default `true`). */
  coalesce?: boolean;
  /**
   * After a URL answered uncacheable, later requests skip coalescing for this many ms (Varnish's
   * hit-for-miss; default 10 000).
   */
  hitForPassMs?: number;
  /** Heuristic freshness fraction of `Date − Last-Modified`, in [0, 1] (default 0.1, RFC 9111 §4.2.2). */
  heuristicFraction?: number;
  /**
   * A shared cache (default `true`: obeys `s-maxage`, never stores `private` responses or, without
   * permission, responses to requests with `Authorization`); `false` for a private (client-side) cache.
   */
  shared?: boolean;
  /**
   * A store shared by every instance behind the in-process one — `@scaling/cache-redis`'s
   * `createTieredCache<TierVariant[]>({ redis, prefix })`. A local miss looks there before the origin;
   * stores and purges go to both; purges from other instances (its `invalidation` event) drop the local
   * copies. Its failures count as misses (`tierErrors`).
   */
  tier?: SharedResponseTier;
  /** Response field saying how the response was produced (default `'x-cache'`; `false`: none). */
  cacheStatusHeader?: string | false;
  /** Time source for ages and expiry (default `systemClock`); its `now()` is mapped onto `Date.now()` at construction. */
  clock?: Clock;
}

/** The option keys of {@link HttpCacheOptions}. */
export const ENGINE_OPTION_KEYS = [
  'store',
  'maxSizeBytes',
  'maxEntrySizeBytes',
  'targetedCacheControl',
  'surrogateKeyHeader',
  'staleRetentionMs',
  'coalesce',
  'hitForPassMs',
  'heuristicFraction',
  'cacheStatusHeader',
  'shared',
  'tier',
  'clock',
] as const;

/**
 * A `stats()` snapshot of an HTTP cache. Every request ends in exactly one outcome, so
 * `hits + stale + staleIfError + misses + revalidated + passes + errors === requests`.
 */
export interface HttpCacheStats {
  /** Requests handled (counter). */
  requests: number;
  /** Answered fresh from the store (`HIT`). */
  hits: number;
  /** Answered stale from the store: `max-stale` or stale-while-revalidate (`STALE`). */
  stale: number;
  /** Answered stale because the origin failed, within `stale-if-error` (`STALE-IF-ERROR`). */
  staleIfError: number;
  /** Answered by a full origin response (`MISS`). */
  misses: number;
  /** Answered from the store after the origin said 304 Not Modified (`REVALIDATED`). */
  revalidated: number;
  /** Not a cacheable method: forwarded (`PASS`). */
  passes: number;
  /** Answered with an error the cache generated: 502 (origin unreachable), 504 (`only-if-cached` miss) (`ERROR`). */
  errors: number;
  /** Requests that waited for another request's origin fetch of the same key (request coalescing). */
  coalesced: number;
  /** Origin responses to cacheable methods that could not be stored (`no-store`, `private`, too large, …). */
  uncacheable: number;
  /** Conditional requests sent to the origin to validate a stored response (background ones included). */
  revalidations: number;
  /** Origin fetches made in the background to refresh a response served stale (stale-while-revalidate). */
  backgroundRevalidations: number;
  /** Requests sent to the origin. */
  originRequests: number;
  /** Origin requests that failed to produce a response (connection error, timeout). */
  originErrors: number;
  /** Responses stored (304 updates included). */
  stores: number;
  /** URLs removed by `purge`/`purgeSurrogateKey` and by unsafe-method invalidation. */
  purges: number;
  /** Responses evicted for room or expired (counter). */
  evictions: number;
  /** Local misses answered from the shared tier (`tier` option). */
  tierHits: number;
  /**
   * Shared tier reads and writes that failed (answered as misses / not shared): the tier's failed, timed-out
   * or breaker-skipped Redis commands (its `l2-error` events, of every user of that `TieredCache`), and tier
   * calls that rejected.
   */
  tierErrors: number;
  /** Bytes stored (gauge). */
  size: number;
  /** URLs stored (gauge). */
  keys: number;
  /** Origin requests in flight (gauge). */
  inflight: number;
  /** Time from sending an origin request to its response head, ms (a copy). */
  requestDuration: Histogram;
}

/** Events of an HTTP cache (also on `node:diagnostics_channel` as `scaling:http-cache:<event>`). */
export type HttpCacheEvents = {
  /** A response was stored (or its headers updated by a 304). */
  store: {
    /** The cache key (path and query, or absolute URL). */
    key: string;
    /** The stored status code. */
    status: number;
    /** Body bytes. */
    bytes: number;
    /** How long it stays in the store, ms (freshness left plus the longest stale window). */
    ttlMs: number;
  };
  /** Stored responses were removed on purpose: by URL, by surrogate key, or by an unsafe request. */
  purge: {
    /** The purged key (`purge` and `invalidation`). */
    key?: string;
    /** The purged surrogate key (`surrogate-key`). */
    surrogateKey?: string;
    /** What removed it: `purge()`, `purgeSurrogateKey()`, or an unsafe request's success (RFC 9111 §4.4). */
    reason: 'purge' | 'surrogate-key' | 'invalidation';
    /** URLs removed. */
    count: number;
  };
  /** A stored URL left the store for room (`'evict'`) or because it expired (`'expire'`). */
  evict: {
    /** The cache key. */
    key: string;
    /** `'evict'`: for room (S3-FIFO); `'expire'`: its time in the store ended. */
    reason: 'evict' | 'expire';
  };
};

/** The context published on the `scaling:http-cache:fetch` tracing channel around each origin request. */
export interface OriginFetchContext {
  /** The cache key. */
  key: string;
  /** The request method. */
  method: string;
  /** `true` for a conditional (revalidation) request. */
  conditional: boolean;
  /** `true` when sent in the background (stale-while-revalidate). */
  background: boolean;
  /** The origin's status, set when the head arrived. */
  status?: number;
}

/** How an entry point drives the engine for one request. */
export interface HandleOptions {
  /** The engine may call `fetch` after the request was answered, to revalidate in the background (default `true`). */
  background?: boolean;
  /**
   * When the origin cannot be reached and nothing stale may be served: `true` (default) answers 502 Bad
   * Gateway; `false` calls `sink.destroy(error)` with the origin's error (a client-side cache).
   */
  generateErrors?: boolean;
}
