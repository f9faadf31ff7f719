/** The fleet demo's HTML report: the summary and one chart per scaling step, rendered with the single demo's chart code. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { escapeHtml, type Row, render, timeChart } from '../report.js';
import { type FleetSummary, formatFleetSummary } from './summary.js';

export async function writeFleetReport(path: string, s: FleetSummary): Promise<string> {
  const short = (label: string): string =>
    label
      .replace(/^upstream /, '')
      .replace(/ \(.*$/, '')
      .replace(/ killed mid-job.*$/, ' killed')
      .replace('made 10× slower', 'slowed')
      .replace(' rolling restart', ' restart')
      .replace('replica replay paused', 'replica paused')
      .replace('Redis client connections killed', 'Redis conns killed');
  const marks = [...s.faults]
    .filter((f) => f.injected)
    .sort((a, b) => a.at - b.at)
    .map((f) => ({ t: f.at, label: short(f.label) }));
  const rows = (pick: (p: FleetSummary['timeline'][number]) => Record<string, number>): Row[] =>
    s.timeline.flatMap((p) =>
      Object.entries(pick(p))
        .filter(([, v]) => Number.isFinite(v))
        .map(([series, value]) => ({ t: p.t, series, value })),
    );
  const charts = await Promise.all([
    render(
      timeChart(
        'Edge — caching at the edge (@scaling/http-cache) and rate limiting (@scaling/rate-limit): requests/s by outcome',
        rows((p) => ({ 'cache hit': p.cdnHits, 'to the web tier': p.cdnMisses, 'rate-limited (429)': p.rateLimited })),
        'requests/s',
        marks,
      ),
    ),
    render(
      timeChart(
        'Edge — latency of every request it answered',
        rows((p) => ({ p50: p.p50 || Number.NaN, p99: p.p99 || Number.NaN })),
        'ms (log scale)',
        marks,
        { log: true },
      ),
    ),
    render(
      timeChart(
        'Load balancing and health (@scaling/http-client + @scaling/health at the edge): requests/s per web instance',
        rows((p) => p.perWeb),
        'requests/s',
        marks,
      ),
    ),
    render(
      timeChart(
        'Caching (@scaling/cache-redis, shared by the web instances): answers/s per level',
        rows((p) => ({ L1: p.l1, 'L2 (Redis)': p.l2, 'database load': p.loads })),
        'answers/s',
        marks,
      ),
    ),
    render(
      timeChart(
        'Replication (@scaling/replica-router-pg): reads/s',
        rows((p) => ({ replica: p.replicaReads, primary: p.primaryReads })),
        'reads/s',
        marks,
      ),
    ),
    render(
      timeChart(
        'Asynchronous processing (@scaling/jobs on BullMQ): orders',
        rows((p) => ({ accepted: p.ordersAccepted, stored: p.ordersStored })),
        'orders (cumulative)',
        marks,
      ),
    ),
    render(
      timeChart(
        'Fault tolerance between services (@scaling/http-client over the upstreams): attempts/s per upstream',
        rows((p) => p.perUpstream),
        'attempts/s',
        marks,
      ),
    ),
  ]);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scaling fleet demo</title>
<style>
body{font-family:system-ui,sans-serif;max-width:820px;margin:2rem auto;padding:0 1rem;color:#222}
pre{font-size:12px;background:#f6f8fa;padding:1rem;overflow-x:auto}figure{margin:1.5rem 0}
.ok{color:#1a7f37}.bad{color:#cf222e}
</style></head><body>
<h1>Fleet demo</h1>
<ul>${s.checks.map((k) => `<li class="${k.ok ? 'ok' : 'bad'}">${k.ok ? '✔' : '✘'} ${escapeHtml(k.name)}</li>`).join('')}</ul>
${charts.map((svg) => `<figure>${svg}</figure>`).join('\n')}
<h2>Summary</h2>
<pre>${escapeHtml(formatFleetSummary(s))}</pre>
</body></html>
`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  return path;
}
