// The engine's counters and its `inflight` gauge: one object per engine, shared by the engine's files,
// which count in place; `stats()` copies it and adds the store gauges and the histogram.
import type { HttpCacheStats } from './engine-options.js';

/** {@link HttpCacheStats} without the store gauges (`size`, `keys`) and the `requestDuration` histogram. */
export type EngineCounters = Omit<HttpCacheStats, 'size' | 'keys' | 'requestDuration'>;

/** Counters all at zero. */
export function newCounters(): EngineCounters {
  return {
    requests: 0,
    hits: 0,
    stale: 0,
    staleIfError: 0,
    misses: 0,
    revalidated: 0,
    passes: 0,
    errors: 0,
    coalesced: 0,
    uncacheable: 0,
    revalidations: 0,
    backgroundRevalidations: 0,
    originRequests: 0,
    originErrors: 0,
    stores: 0,
    purges: 0,
    evictions: 0,
    tierHits: 0,
    tierErrors: 0,
    inflight: 0,
  };
}
