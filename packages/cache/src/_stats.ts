import type { SingleFlight } from './_single-flight.js';
import type { CacheStats } from './types.js';

/** The {@link CacheStats} of a cache from its counters (load counts come from its single-flight group, if any). */
export function cacheStats(
  hits: number,
  misses: number,
  evictions: number,
  expirations: number,
  flights: SingleFlight<unknown, unknown> | undefined,
): CacheStats {
  const reads = hits + misses;
  return {
    hits,
    misses,
    evictions,
    expirations,
    loads: flights === undefined ? 0 : flights.loads,
    loadErrors: flights === undefined ? 0 : flights.loadErrors,
    hitRatio: reads === 0 ? 0 : hits / reads,
  };
}
