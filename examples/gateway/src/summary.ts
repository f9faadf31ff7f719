/** The end-of-run summary: figures gathered from the gateway and the load client, and their text table. */
import { type GatewayMetrics, quantile, round } from './metrics.js';

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
  gateway: { responses: number; retries: number; rescued: number; p50: number; p99: number };
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
  cache: { hits: number; misses: number; loads: number; hitRatio: number };
  queueDepth: number;
  replicaRouting: string;
}): DemoSummary {
  const { metrics, client } = input;
  const upstreams: UpstreamSummary[] = [];
  for (const u of metrics.upstreams.values()) {
    const sorted = u.latencies.slice().sort((a, b) => a - b);
    const s = input.states.get(u.id);
    const alive = s?.alive ?? true;
    const state = !alive ? 'killed' : !u.healthy ? 'ejected' : s?.note ? s.note : 'healthy';
    upstreams.push({
      id: u.id,
      state: !alive && !u.healthy ? 'killed, ejected' : state,
      alive,
      healthy: u.healthy,
      requests: u.requests,
      p50: round(quantile(sorted, 0.5), 1),
      p99: round(quantile(sorted, 0.99), 1),
      errors: u.errors,
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
      retries: metrics.retries,
      rescued: metrics.rescued,
      p50: round(quantile(gatewaySorted, 0.5), 1),
      p99: round(quantile(gatewaySorted, 0.99), 1),
    },
    cache: { hits: input.cache.hits, misses: input.cache.misses, loads: input.cache.loads, hitRatio: input.cache.hitRatio },
    queue: {
      accepted: metrics.ordersAccepted,
      processed: metrics.ordersProcessed,
      failed: metrics.ordersFailed,
      rejected: metrics.ordersRejected,
      depthAtEnd: input.queueDepth,
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
    `gateway    ${formatInt(s.gateway.retries)} attempts retried on another upstream, ${formatInt(s.gateway.rescued)} requests saved by a retry`,
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
