/** The HTML report: the summary table plus charts rendered to inline SVG with Vega-Lite (no browser, no CDN). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TimelineEvent, TimelinePoint } from './metrics.js';
import type { DemoSummary } from './summary.js';

export type Row = Record<string, string | number>;

export async function render(spec: vegaLite.TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const WIDTH = 640;
const HEIGHT = 220;

/** A line chart over the run's time axis, with a dashed rule and a label at every event. */
export function timeChart(
  title: string,
  rows: Row[],
  yTitle: string,
  events: TimelineEvent[],
  y: { log?: boolean; format?: string } = {},
): vegaLite.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    config: { background: 'white', font: 'sans-serif', legend: { labelLimit: 200 } },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'seconds into the run' },
          y: {
            field: 'value',
            type: 'quantitative',
            title: yTitle,
            ...(y.log ? { scale: { type: 'log' } } : {}),
            ...(y.format ? { axis: { format: y.format } } : {}),
          },
          color: { field: 'series', type: 'nominal', title: null },
        },
      },
      {
        data: { values: events.map((e) => ({ t: e.t })) },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
      {
        // Labels on four rotating rows so events close in time do not overlap.
        data: { values: events.map((e, i) => ({ t: e.t, label: e.label, y: 10 + (i % 4) * 12 })) },
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#555' },
        encoding: {
          x: { field: 't', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative', scale: null },
          text: { field: 'label' },
        },
      },
    ],
  };
}

/** Writes the report and returns its path. */
export async function writeHtmlReport(path: string, summary: DemoSummary, timeline: TimelinePoint[]): Promise<string> {
  // Only the events that change what upstreams exist or how fast they are go on the charts (ejections are in the table).
  const marks = summary.events.filter((e) => /killed|slower/.test(e.label));
  const perUpstream: Row[] = [];
  const latency: Row[] = [];
  const queue: Row[] = [];
  const cache: Row[] = [];
  for (const p of timeline) {
    for (const [id, v] of Object.entries(p.perUpstream)) perUpstream.push({ t: p.t, series: id, value: v });
    if (Number.isFinite(p.p50)) latency.push({ t: p.t, series: 'p50', value: p.p50 });
    if (Number.isFinite(p.p99)) latency.push({ t: p.t, series: 'p99', value: p.p99 });
    queue.push({ t: p.t, series: 'orders waiting', value: p.queueDepth });
    queue.push({ t: p.t, series: 'rejected (429) per 0.5 s', value: p.rejections });
    if (Number.isFinite(p.hitRatio)) cache.push({ t: p.t, series: 'hit ratio', value: p.hitRatio });
  }
  const bars: Row[] = summary.upstreams.flatMap((u) => [
    { upstream: `${u.id} (${u.state})`, series: 'p50', value: u.p50 },
    { upstream: `${u.id} (${u.state})`, series: 'p99', value: u.p99 },
  ]);
  const charts = await Promise.all([
    render(timeChart('Requests per second sent to each upstream', perUpstream, 'requests/s', marks)),
    render(timeChart('Gateway latency (whole request, retries included)', latency, 'ms (log scale)', marks, { log: true })),
    render({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Latency per upstream (successful attempts)',
      width: WIDTH,
      height: 160,
      config: { background: 'white', font: 'sans-serif', legend: { labelLimit: 200 } },
      data: { values: bars },
      mark: 'bar',
      encoding: {
        y: { field: 'upstream', type: 'nominal', title: null },
        yOffset: { field: 'series' },
        x: { field: 'value', type: 'quantitative', title: 'ms' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    }),
    render(timeChart('Order queue: depth and 429 rejections', queue, 'orders', marks)),
    render(timeChart('Product cache hit ratio', cache, 'hit ratio', marks, { format: '.0%' })),
  ]);

  const rows = summary.upstreams
    .map(
      (u) =>
        `<tr><td>${u.id}</td><td>${u.state}</td><td>${u.requests}</td><td>${u.p50}</td><td>${u.p99}</td><td>${u.errors}</td><td>${u.ejections}</td></tr>`,
    )
    .join('\n');
  const c = summary.client;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>scaling gateway demo — ${summary.strategy}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .7rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
.ok{color:#1a7f37}.bad{color:#cf222e}figure{margin:1.5rem 0}
</style></head><body>
<h1>Gateway demo — ${summary.strategy}</h1>
<p>${summary.durationSeconds} s of load through a node:http gateway in front of ${summary.upstreams.length} upstream processes.
${summary.events.map((e) => `${e.t.toFixed(1)} s: ${escapeHtml(e.label)}`).join('; ')}.</p>
<table><thead><tr><th>upstream</th><th>state</th><th>requests</th><th>p50 ms</th><th>p99 ms</th><th>errors</th><th>ejections</th></tr></thead>
<tbody>${rows}</tbody></table>
<ul>
<li>client: ${c.requests} requests, <b>${c.errors} errors (${(c.errorRate * 100).toFixed(3)} %)</b>, ${c.rejected429} orders answered 429, p50 ${c.p50} ms, p99 ${c.p99} ms</li>
<li>gateway: ${summary.gateway.retries} attempts retried on another upstream, ${summary.gateway.failed} requests failed on every upstream tried</li>
<li>cache: hit ratio ${(summary.cache.hitRatio * 100).toFixed(1)} % (${summary.cache.hits} hits, ${summary.cache.misses} misses)</li>
<li>queue: ${summary.queue.accepted} accepted, ${summary.queue.processed} processed, ${summary.queue.failed} failed, ${summary.queue.rejected} rejected; max depth ${summary.queue.maxDepth}</li>
<li>replicas: ${escapeHtml(summary.replicaRouting)}</li>
</ul>
<ul>${summary.checks.map((k) => `<li class="${k.ok ? 'ok' : 'bad'}">${k.ok ? '✔' : '✘'} ${escapeHtml(k.name)}</li>`).join('')}</ul>
${charts.map((svg) => `<figure>${svg}</figure>`).join('\n')}
</body></html>
`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  return path;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
