import { Histogram } from '@scaling/core';
import type { SlotCache } from './_slot-cache.js';
import type { CacheStats } from './types.js';

/** The {@link CacheStats} snapshot of a cache (load counts and latency come from its single-flight group, if any). */
export function cacheStats<K, V>(cache: SlotCache<K, V>): CacheStats {
  const hits = cache._hits;
  const misses = cache._misses;
  const lookups = hits + misses;
  const flights = cache._flights;
  return {
    hits,
    misses,
    lookups,
    staleHits: cache._staleHits,
    evictions: cache._evictions,
    expirations: cache._expirations,
    loads: flights === undefined ? 0 : flights.loads,
    loadErrors: flights === undefined ? 0 : flights.loadErrors,
    size: cache.size,
    totalSize: cache.totalSize,
    inflight: flights === undefined ? 0 : flights.size,
    hitRatio: lookups === 0 ? 0 : hits / lookups,
    loadDuration: flights === undefined ? new Histogram() : flights.loadDuration.clone(),
  };
}
