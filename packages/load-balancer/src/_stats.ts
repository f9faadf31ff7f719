import type { Histogram } from '@scaling/core';
import type { BalancerCore } from './_core.js';
import { FAILURES, NO_OUTCOMES, STRIDE, SUCCESSES, TIMEOUTS } from './_counters.js';
import type { BalancerStats, Endpoint, EndpointStats } from './types.js';

/**
 * The `stats()` snapshot of a balancer: removed endpoints' totals plus the current endpoints' counters
 * (an endpoint's picks are its settled leases plus its active ones, so a pick costs no counter).
 */
export function balancerStats<E extends Endpoint>(core: BalancerCore<E>): BalancerStats {
  const t = core.table;
  const c = core.counters;
  const r = c.retired;
  const tally = c.counts;
  const h = c.histograms;
  const duration = c.retiredDuration?.clone();
  let successes = r.successes;
  let failures = r.failures;
  let noOutcome = r.noOutcome;
  let timeouts = r.timeouts;
  let active = r.active;
  const endpoints: Record<string, EndpointStats> = {};
  for (let p = 0; p < t.n; p++) {
    const i = p * STRIDE;
    const s = tally[i + SUCCESSES] as number;
    const f = tally[i + FAILURES] as number;
    const o = tally[i + NO_OUTCOMES] as number;
    const to = tally[i + TIMEOUTS] as number;
    const a = t.active[p] as number;
    successes += s;
    failures += f;
    noOutcome += o;
    timeouts += to;
    active += a;
    const e: {
      -readonly [K in keyof EndpointStats]: EndpointStats[K];
    } = {
      picks: s + f + o + a,
      successes: s,
      failures: f,
      noOutcome: o,
      timeouts: to,
      active: a,
      weight: t.weight[p] as number,
      effectiveWeight: t.eff[p] as number,
      healthy: t.healthy[p] === 1,
      ramping: core.slow !== undefined && !Number.isNaN(core.slow.start[p] as number),
    };
    if (core.latencyCost !== undefined) e.latencyCostMs = core.latencyCost(p);
    if (h !== undefined) {
      const hp = h[p] as Histogram;
      e.requestDuration = hp.clone();
      duration?.merge(hp);
    }
    endpoints[t.ids[p] as string] = e;
  }
  const stats: { -readonly [K in keyof BalancerStats]: BalancerStats[K] } = {
    picks: successes + failures + noOutcome + active,
    releases: successes + failures + noOutcome - timeouts,
    successes,
    failures,
    noOutcome,
    timeouts,
    rejected: core.rejected,
    panics: core.panics,
    size: t.n,
    healthy: t.healthyCount,
    active,
    ramping: t.ramping,
    panic: t.panicking,
    endpoints,
  };
  if (duration !== undefined) stats.requestDuration = duration;
  return stats;
}
