export { Cache, DEFAULT_POLICY } from './cache.js';
export { ReentrantLoadError } from './errors.js';
export { LruCache } from './lru-cache.js';
export type {
  BoundedCache,
  CacheEvents,
  CacheOptions,
  CachePolicy,
  CacheStats,
  EvictionListener,
  EvictionReason,
  GetOrLoadOptions,
  Loader,
  LoaderContext,
  LoadResult,
  LoadStatus,
  PolicyCacheOptions,
  SetOptions,
} from './types.js';
