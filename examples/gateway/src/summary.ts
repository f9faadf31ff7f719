/**
 * The end-of-run summary and its text table. Per-upstream, retry, cache and queue figures are read from the
 * same `stats()` snapshots the gateway's /metrics exports ({@link GatewaySnapshot}); the gateway's own
 * metrics add what no primitive counts (client-visible responses, when an upstream left rotation).
 */
import { Histogram } from '@scaling/core';
import type { GatewaySnapshot } from './gateway.js';
import { attemptsOf, type GatewayMetrics, quantile, round } from './metrics.js';

export interface UpstreamSummary {
  id: string;
  /** 'healthy' | 'ejected' | 'killed' | 'slow (10×)' … */
  state: string;
  alive: boolean;
  healthy: boolean;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  ejections: number;
}

/** Everything the demo reports at the end (also written as JSON with `--json`). */
export interface DemoSummary {
  strategy: string;
  durationSeconds: number;
  upstreams: UpstreamSummary[];
  /** Requests the load client completed or lost. */
  client: { requests: number; ok: number; errors: number; errorRate: number; rejected429: number; p50: number; p99: number };
  /** `retries`: attempts retried on another upstream; `failed`: requests that failed on every upstream tried. */
  gateway: { responses: number; retries: number; failed: number; p50: number; p99: number };
  cache: { hits: number; misses: number; loads: number; hitRatio: number };
  queue: { accepted: number; processed: number; failed: number; rejected: number; depthAtEnd: number; maxDepth: number };
  events: { t: number; label: string }[];
  checks: { name: string; ok: boolean }[];
  replicaRouting: string;
}

export interface ClientCounts {
  responses: number;
  byStatus: Record<string, number>;
  errors: number;
  latency: { p50: number; p99: number };
}

export function summarize(input: {
  strategy: string;
  durationSeconds: number;
  metrics: GatewayMetrics;
  client: ClientCounts;
  states: Map<string, { alive: boolean; note: string }>;
  /** The gateway's primitives' `stats()`, read once at the end. */
  snapshot: GatewaySnapshot;
  /** Upstream id → the dispatcher's endpoint key. */
  origins: ReadonlyMap<string, string>;
  replicaRouting: string;
}): DemoSummary {
  const { metrics, client, snapshot: snap } = input;
  const upstreams: UpstreamSummary[] = [];
  for (const u of metrics.upstreams.values()) {
    const origin = input.origins.get(u.id) ?? u.id;
    const viaDispatcher = snap.upstreams.endpoints[origin];
    const viaOwners = snap.owners.endpoints[u.id];
    // Attempt latencies of both routes (ms), merged: the histograms are the ones /metrics exports.
    const latency = new Histogram();
    if (viaDispatcher) latency.merge(viaDispatcher.requestDuration);
    if (viaOwners) latency.merge(viaOwners.requestDuration);
    const s = input.states.get(u.id);
    const alive = s?.alive ?? true;
    const state = !alive ? 'killed' : !u.healthy ? 'ejected' : s?.note ? s.note : 'healthy';
    upstreams.push({
      id: u.id,
      state: !alive && !u.healthy ? 'killed, ejected' : state,
      alive,
      healthy: u.healthy,
      requests: attemptsOf(snap, u.id, origin),
      p50: latency.count === 0 ? Number.NaN : round(latency.quantile(0.5), 1),
      p99: latency.count === 0 ? Number.NaN : round(latency.quantile(0.99), 1),
      errors: (viaDispatcher?.failures ?? 0) + (viaOwners?.failures ?? 0),
      ejections: u.ejections,
    });
  }
  let fiveXx = 0;
  let ok = 0;
  for (const [code, n] of Object.entries(client.byStatus)) {
    if (Number(code) >= 500) fiveXx += n;
    if (Number(code) < 400) ok += n;
  }
  const rejected429 = client.byStatus['429'] ?? 0;
  const clientErrors = fiveXx + client.errors;
  const clientRequests = client.responses + client.errors;
  const gatewaySorted = metrics.latencies.slice().sort((a, b) => a - b);

  const checks = [
    { name: 'every upstream still in rotation served traffic', ok: upstreams.every((u) => !u.healthy || u.requests > 0) },
    { name: 'every killed upstream was ejected', ok: upstreams.every((u) => u.alive || (!u.healthy && u.ejections > 0)) },
    { name: 'error rate under 1 %', ok: clientRequests > 0 && clientErrors / clientRequests < 0.01 },
  ];

  return {
    strategy: input.strategy,
    durationSeconds: input.durationSeconds,
    upstreams,
    client: {
      requests: clientRequests,
      ok,
      errors: clientErrors,
      errorRate: clientRequests === 0 ? 0 : clientErrors / clientRequests,
      rejected429,
      p50: client.latency.p50,
      p99: client.latency.p99,
    },
    gateway: {
      responses: metrics.responses,
      retries: snap.upstreams.retries + snap.owners.retries,
      failed: snap.upstreams.failed + snap.owners.failed,
      p50: round(quantile(gatewaySorted, 0.5), 1),
      p99: round(quantile(gatewaySorted, 0.99), 1),
    },
    cache: { hits: snap.cache.hits, misses: snap.cache.misses, loads: snap.cache.loads, hitRatio: snap.cache.hitRatio },
    queue: {
      accepted: snap.queue.added,
      processed: snap.queue.completed,
      failed: snap.queue.failed,
      rejected: snap.queue.rejectedFull,
      depthAtEnd: snap.queue.size,
      maxDepth: metrics.maxQueueDepth,
    },
    events: metrics.events,
    checks,
    replicaRouting: input.replicaRouting,
  };
}

/** A plain-text table, columns padded, numbers right-aligned. */
export function textTable(columns: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatInt(c) : c)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]): string => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(columns), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function formatInt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1);
}

const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)} %`;

/** The summary as the lines printed at the end of the run. */
export function formatSummary(s: DemoSummary): string {
  const table = textTable(
    ['upstream', 'state', 'requests', 'p50 ms', 'p99 ms', 'errors', 'ejections'],
    s.upstreams.map((u) => [u.id, u.state, u.requests, u.p50, u.p99, u.errors, u.ejections]),
  );
  const c = s.client;
  const lines = [
    '',
    `Summary — strategy ${s.strategy}, ${s.durationSeconds} s of load`,
    '',
    table,
    '',
    `client     ${formatInt(c.requests)} requests, ${formatInt(c.errors)} errors (${pct(c.errorRate, 3)}), ${formatInt(c.rejected429)} orders answered 429, p50 ${c.p50} ms, p99 ${c.p99} ms`,
    `gateway    ${formatInt(s.gateway.retries)} attempts retried on another upstream, ${formatInt(s.gateway.failed)} requests failed on every upstream tried`,
    `cache      hit ratio ${pct(s.cache.hitRatio)} (${formatInt(s.cache.hits)} hits, ${formatInt(s.cache.misses)} misses, ${formatInt(s.cache.loads)} loader calls incl. background refreshes)`,
    `queue      ${formatInt(s.queue.accepted)} orders accepted, ${formatInt(s.queue.processed)} processed, ${formatInt(s.queue.failed)} failed, ${formatInt(s.queue.rejected)} rejected (429); depth now ${s.queue.depthAtEnd}, max ${s.queue.maxDepth}`,
    `replicas   ${s.replicaRouting}`,
    '',
    ...s.events.map((e) => `  ${e.t.toFixed(1).padStart(5)} s  ${e.label}`),
    '',
    ...s.checks.map((k) => `${k.ok ? '✔' : '✘'} ${k.name}`),
  ];
  return lines.join('\n');
}
