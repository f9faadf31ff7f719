export { type CacheControl, MAX_DELTA_SECONDS, parseCacheControl, selectCacheControl } from './cache-control.js';
export type { CachedResponse } from './cached-response.js';
export { type CacheStatus, CachingProxy, type CachingProxyOptions, createCachingProxy } from './caching-proxy.js';
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
export { invalidationTargets, isUnsafeMethod } from './invalidation.js';
export { type ServeDecision, type StoredFreshness, serveDecision, staleIfErrorAllows } from './serve-decision.js';
export { fieldsToStrip, HOP_BY_HOP, type StorabilityInput, storability, stripHeaders } from './storability.js';
export { conditionalHeaders, hasValidator, mergeNotModified, notModifiedMatches } from './validation.js';
export { normalizeVaryValue, parseVary, varyMatches, varyValues } from './vary.js';
