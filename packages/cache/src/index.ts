export { Cache, type CachePolicy, DEFAULT_POLICY, type PolicyCacheOptions } from './cache.js';
export { LruCache } from './lru-cache.js';
export type {
  BoundedCache,
  CacheOptions,
  CacheStats,
  EvictionListener,
  EvictionReason,
  GetOrLoadOptions,
  Loader,
  LoaderContext,
  SetOptions,
} from './types.js';
