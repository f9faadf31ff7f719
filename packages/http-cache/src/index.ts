// The package's public names, listed explicitly (files starting with `_` are internal).
export { type CacheControl, MAX_DELTA_SECONDS, parseCacheControl, selectCacheControl } from './cache-control.js';
export type { CachedResponse } from './cached-response.js';
export { CachingProxy, type CachingProxyOptions, createCachingProxy, responseHeaders } from './caching-proxy.js';
export { ResponseCapture } from './capture.js';
export { type Flight, Flights } from './coalescing.js';
export { HttpCacheEngine } from './engine.js';
export {
  ENGINE_OPTION_KEYS,
  type HandleOptions,
  type HttpCacheEvents,
  type HttpCacheOptions,
  type HttpCacheStats,
  type OriginFetchContext,
} from './engine-options.js';
export {
  currentAge,
  type FreshnessOptions,
  freshnessLifetime,
  HEURISTICALLY_CACHEABLE_STATUSES,
  initialAge,
  parseAge,
  parseHttpDate,
} from './freshness.js';
export { type HeaderMap, headerValue } from './headers.js';
export { HttpCacheStore, type HttpCacheStoreOptions } from './http-cache-store.js';
export { invalidatedKeys, invalidationTargets, isUnsafeMethod } from './invalidation.js';
export {
  type CacheMiddleware,
  cacheMiddleware,
  type FastifyCacheLike,
  type FastifyHttpCacheOptions,
  httpCachePlugin,
  type MiddlewareRequest,
} from './middleware.js';
export { type ByteRange, requestedRange } from './range.js';
export { type CacheStatus, clientValidatorMatches, serveStored } from './serve.js';
export { type ServeDecision, type StoredFreshness, serveDecision, staleIfErrorAllows } from './serve-decision.js';
export { fromTier, type SharedResponseTier, type TierVariant, tierTags, toTier } from './shared-tier.js';
export type { CacheRequest, OriginFetch, OriginResponse, ResponseSink } from './sink.js';
export { fieldsToStrip, HOP_BY_HOP, type StorabilityInput, storability, stripHeaders } from './storability.js';
export { type StoredEntryOptions, storedEntry, storeTtl } from './stored-entry.js';
export { streamAndCollect } from './stream-store.js';
export {
  type CacheInterceptor,
  cacheInterceptor,
  type DispatchControllerLike,
  type DispatchHandlerLike,
  type DispatchLike,
  type DispatchOptionsLike,
  type InterceptorFunction,
} from './undici.js';
export { conditionalHeaders, hasValidator, mergeNotModified, notModifiedMatches } from './validation.js';
export { normalizeVaryValue, parseVary, varyMatches, varyValues } from './vary.js';
