/** The fleet demo's summary: its shape (also written with `--json`) and the text printed at the end. */
import { textTable } from '../summary.js';

/** One timeline bucket of the fleet run (rates per second over the bucket). */
export interface FleetTimelinePoint {
  t: number;
  edgeRps: number;
  cdnHits: number;
  cdnMisses: number;
  rateLimited: number;
  p50: number;
  p99: number;
  perWeb: Record<string, number>;
  l1: number;
  l2: number;
  loads: number;
  primaryReads: number;
  replicaReads: number;
  ordersAccepted: number;
  ordersStored: number;
  perUpstream: Record<string, number>;
  clientErrors: number;
}

export interface FleetSummary {
  durationSeconds: number;
  /** Which engines ran for real. */
  engines: string[];
  edge: {
    requests: number;
    p50: number;
    p99: number;
    cdnHits: number;
    cdnMisses: number;
    cdnPass: number;
    cdnHitRatio: number;
    originRequests: number;
    originOffload: number;
    rateLimited: number;
    limiter: { allowed: number; denied: number; degraded: number };
    perWeb: Record<string, number>;
    webEjections: number;
    lbRetries: number;
    /** The first requests the balancer could not place (answered 502), with the reason. */
    lbFailures: string[];
    rotationChanges: { t: number; label: string }[];
  };
  client: { requests: number; errors: number; errorRate: number; rateLimited: number; p50: number; p99: number; errorSamples: string[] };
  cache: { l1Hits: number; l2Hits: number; loads: number; l1Ratio: number; l2Ratio: number; busReconnects: number; breakerEvents: number };
  db: {
    replicaReads: number;
    primaryReads: number;
    writes: number;
    sessionReads: number;
    staleReads: number;
    staleSamples: string[];
    /** After the run: every written product read through each web instance's cache, compared with the primary. */
    cacheSweep: { reads: number; stale: number; samples: string[] };
  };
  jobs: {
    accepted: number;
    stored: number;
    lost: number;
    enqueuedDuplicates: number;
    clientRetries: number;
    deliveries: number;
    redelivered: number;
    duplicatesAbsorbed: number;
    drainSeconds: number;
  };
  upstreams: { requests: Record<string, number>; failures: Record<string, number>; ejections: number };
  faults: { at: number; label: string; injected: boolean; observed: boolean; detail: string }[];
  events: { t: number; label: string }[];
  checks: { name: string; ok: boolean }[];
  timeline: FleetTimelinePoint[];
  /** `scaling_*` series on each live process's `/metrics` at the end of the load. */
  metricsSeries: Record<string, number>;
  timings: { startupSeconds: number; loadSeconds: number; drainSeconds: number; teardownSeconds: number; totalSeconds: number };
  /** Processes and directories still there after teardown (must be empty). */
  leftovers: { pids: number[]; dirs: string[] };
  /** Every process id and directory the run created. */
  ledger: { pids: number[]; dirs: string[] };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const pct = (x: number, d = 1): string => `${(x * 100).toFixed(d)} %`;

export function formatFleetSummary(s: FleetSummary): string {
  const e = s.edge;
  const c = s.client;
  const faults = textTable(
    ['at s', 'fault', 'injected', 'observed', 'what happened'],
    [...s.faults]
      .sort((a, b) => a.at - b.at)
      .map((f) => [f.at.toFixed(1), f.label, f.injected ? 'yes' : 'NO', f.observed ? 'yes' : 'NO', f.detail]),
  );
  return [
    '',
    `Fleet summary — ${s.durationSeconds} s of load, all from the packages' stats() and the demo's ledgers`,
    ...s.engines.map((l) => `  ${l}`),
    '',
    `clients    ${int(c.requests)} requests, ${int(c.errors)} errors (${pct(c.errorRate, 3)}), ${int(c.rateLimited)} rate-limited (429); load client p50 ${c.p50} ms, p99 ${c.p99} ms`,
    `edge       ${int(e.requests)} requests, p50 ${e.p50} ms, p99 ${e.p99} ms (measured at the edge)`,
    `  CDN      hit ratio ${pct(e.cdnHitRatio)} (${int(e.cdnHits)} hits, ${int(e.cdnMisses)} misses, ${int(e.cdnPass)} passed through); origin offload ${pct(e.originOffload)} (${int(e.originRequests)} origin requests)`,
    `  limit    ${int(e.rateLimited)} requests refused 429 by the per-client limit (limiter: ${int(e.limiter.allowed)} allowed, ${int(e.limiter.denied)} denied, ${int(e.limiter.degraded)} decided in process while Redis was slow or away)`,
    `  balance  ${Object.entries(e.perWeb)
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(
        ', ',
      )} requests; ${int(e.lbRetries)} retried on another instance; ${e.rotationChanges.length} rotation changes, ${int(e.webEjections)} outlier ejections`,
    `cache      shared tier: L1 ${pct(s.cache.l1Ratio)} (${int(s.cache.l1Hits)}), L2/Redis ${pct(s.cache.l2Ratio)} (${int(s.cache.l2Hits)}), database loads ${int(s.cache.loads)}; ${s.cache.busReconnects} bus reconnects, ${s.cache.breakerEvents} breaker events`,
    `database   reads: replica ${int(s.db.replicaReads)}, primary ${int(s.db.primaryReads)}; ${int(s.db.writes)} product writes, ${int(s.db.sessionReads)} session reads checked, ${s.db.staleReads} stale; after the run ${int(s.db.cacheSweep.reads)} cache reads of the written products, ${s.db.cacheSweep.stale} stale`,
    `jobs       ${int(s.jobs.accepted)} orders accepted, ${int(s.jobs.stored)} stored, ${s.jobs.lost} lost; ${int(s.jobs.deliveries)} deliveries, ${s.jobs.redelivered} redelivered, ${s.jobs.duplicatesAbsorbed} duplicates absorbed by the unique key, ${s.jobs.enqueuedDuplicates} duplicate enqueues absorbed, ${s.jobs.clientRetries} client retries; drained in ${s.jobs.drainSeconds} s`,
    `services   ${Object.entries(s.upstreams.requests)
      .map(([k, v]) => `${k} ${int(v)} (${int(s.upstreams.failures[k] ?? 0)} failed)`)
      .join(', ')}; ${s.upstreams.ejections} outlier ejections`,
    `timings    start-up ${s.timings.startupSeconds} s, load ${s.timings.loadSeconds} s, order drain ${s.timings.drainSeconds} s, teardown ${s.timings.teardownSeconds} s, total ${s.timings.totalSeconds} s`,
    ...(c.errorSamples.length > 0 ? ['', 'first errors:', ...c.errorSamples.map((x) => `  ${x}`)] : []),
    ...(e.lbFailures.length > 0 ? ['', 'edge: requests no web instance answered:', ...e.lbFailures.map((x) => `  ${x}`)] : []),
    ...(s.db.staleSamples.length > 0 ? ['', 'stale reads:', ...s.db.staleSamples.map((x) => `  ${x}`)] : []),
    ...(s.db.cacheSweep.samples.length > 0
      ? ['', 'stale cache entries after the run:', ...s.db.cacheSweep.samples.map((x) => `  ${x}`)]
      : []),
    '',
    faults,
    '',
    'timeline:',
    ...s.events.map((ev) => `  ${ev.t.toFixed(1).padStart(5)} s  ${ev.label}`),
    '',
    ...s.checks.map((k) => `${k.ok ? '✔' : '✘'} ${k.name}`),
  ].join('\n');
}
