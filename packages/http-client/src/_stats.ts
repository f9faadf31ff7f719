// The `stats()` snapshot of a balanced dispatcher: the dispatcher-wide counters and gauges, the hedge delay in
// effect, copies of the latency histograms, and one entry per endpoint with its counters and health gauges.
import type { Histogram } from '@scaling/core';
import type { EndpointHealth } from './_health.js';
import type { Counters, HedgeSettings, Member } from './_shared.js';
import type { BalancedDispatcherStats, EndpointStats } from './types.js';

/** Builds a {@link BalancedDispatcherStats} snapshot (fresh objects and histogram copies: later changes do not show). */
export function snapshot(
  members: ReadonlyMap<string, Member>,
  health: EndpointHealth,
  counters: Counters,
  hedge: HedgeSettings | undefined,
  duration: Histogram,
): BalancedDispatcherStats {
  const endpoints: Record<string, EndpointStats> = {};
  for (const [id, m] of members) {
    endpoints[id] = {
      requests: m.requests,
      failures: m.failures,
      retries: m.retries,
      hedges: m.hedges,
      ejections: m.ejections,
      active: m.active,
      healthy: health.isHealthy(id),
      ejected: health.isEjected(id),
      requestDuration: m.duration.clone(),
    };
  }
  return {
    ...counters,
    delayMs: hedge?.delay.delayMs ?? 0,
    requestDuration: duration.clone(),
    endpoints,
  };
}
