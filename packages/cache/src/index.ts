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
