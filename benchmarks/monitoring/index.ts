import { loadavg } from 'node:os';
import { createHistogram } from 'node:perf_hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Histogram } from '@scaling/core';
import { StatsHistogramProducer, StatsInstruments } from '@scaling/opentelemetry';
import { StatsCollector } from '@scaling/prometheus';
import * as hdr from 'hdr-histogram-js';
import { Histogram as PromHistogram, Registry } from 'prom-client';
import { type Measured, measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport } from '../_lib/types.js';

/** Median of several interleaved rounds (the machine is shared: one round is noisy). */
async function rounds(tasks: Record<string, () => unknown>, ctx: AreaContext, n: number): Promise<Record<string, Measured>> {
  const all: Record<string, Measured[]> = {};
  for (let r = 0; r < n; r++) {
    ctx.progress(`round ${r + 1}/${n}`);
    const got = await measure(tasks, { quick: ctx.quick, timeMs: 500 });
    for (const [k, v] of Object.entries(got)) (all[k] ??= []).push(v);
  }
  const out: Record<string, Measured> = {};
  for (const [k, list] of Object.entries(all)) {
    const sorted = [...list].sort((a, b) => a.hz - b.hz);
    out[k] = sorted[Math.floor(sorted.length / 2)] as Measured;
  }
  return out;
}

class Reader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function latency(n: number, random: () => number): Histogram {
  const h = new Histogram();
  for (let i = 0; i < n; i++) h.record(1 + random() * random() * 500);
  return h;
}

/**
 * A realistic process: 10 caches, 5 queues (wait and run histograms), 2 balancers × 8 endpoints and an
 * HTTP client × 8 endpoints (a histogram each), a replica router × 3 replicas, 5 breakers, 2 limiters.
 */
function sources(): { name: string; labels: Record<string, string>; stats: () => object }[] {
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const out: { name: string; labels: Record<string, string>; stats: () => object }[] = [];
  for (let i = 0; i < 10; i++)
    out.push({
      name: 'cache',
      labels: { cache: `c${i}` },
      stats: () => ({ hits: 9, misses: 1, evictions: 0, expirations: 0, loads: 1, loadErrors: 0, hitRatio: 0.9, size: 5 }),
    });
  for (let i = 0; i < 5; i++) {
    const wait = latency(1000, random);
    const run = latency(1000, random);
    out.push({
      name: 'queue',
      labels: { queue: `q${i}` },
      stats: () => ({
        completed: 5,
        failed: 0,
        rejectedFull: 1,
        size: 0,
        pending: 1,
        waitingForRoom: 0,
        retrying: 0,
        waitDuration: wait.clone(),
        runDuration: run.clone(),
      }),
    });
  }
  const endpoints = (n: number, origin: (i: number) => string) => {
    const hs = Array.from({ length: n }, () => latency(1000, random));
    return () => {
      const e: Record<string, object> = {};
      for (let i = 0; i < n; i++)
        e[origin(i)] = {
          requests: 10,
          failures: 1,
          active: 2,
          healthy: true,
          ejected: false,
          requestDuration: (hs[i] as Histogram).clone(),
        };
      return e;
    };
  };
  for (let b = 0; b < 2; b++) {
    const e = endpoints(8, (i) => `10.0.${b}.${i}:80`);
    out.push({ name: 'load_balancer', labels: { balancer: `lb${b}` }, stats: () => ({ panic: false, endpoints: e() }) });
  }
  const client = endpoints(8, (i) => `http://10.1.0.${i}:80`);
  out.push({ name: 'http_client', labels: { client: 'api' }, stats: () => ({ panic: false, endpoints: client() }) });
  const q = [latency(1000, random), latency(1000, random), latency(1000, random)];
  out.push({
    name: 'replica_router',
    labels: { router: 'main' },
    stats: () => ({
      maxLagMs: 5000,
      eligibleReplicas: 3,
      replicas: Object.fromEntries(q.map((h, i) => [`r${i}`, { routed: 7, lagMs: 120, eligible: true, queryDuration: h.clone() }])),
    }),
  });
  for (let i = 0; i < 5; i++)
    out.push({
      name: 'circuit_breaker',
      labels: { breaker: `b${i}` },
      stats: () => ({ state: 'closed', admitted: 3, rejected: 0, successes: 3, failures: 0, openings: 0 }),
    });
  for (let i = 0; i < 2; i++)
    out.push({
      name: 'rate_limiter',
      labels: { limiter: `l${i}` },
      stats: () => ({ allowed: 10, denied: 2, storeErrors: 0, storeDown: false, keys: 3 }),
    });
  return out;
}

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const n = ctx.quick ? 1 : 5;
  // Latencies in ms (a long-tailed mix), and the same in integer µs for perf_hooks (integers ≥ 1 only).
  const values = Float64Array.from({ length: 4096 }, (_, i) => 0.05 + ((i * 2654435761) % 1000) ** 2 / 1000);
  const micros = Int32Array.from(values, (v) => Math.max(1, Math.round(v * 1000)));
  const ours = new Histogram();
  const perf = createHistogram();
  const hdrJs = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });
  const prom = new PromHistogram({
    name: 'bench_seconds',
    help: 'bench',
    registers: [],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  let i = 0;
  let sink = 0;
  // Each call records a batch of BATCH values so the harness's per-call overhead is amortised.
  const BATCH = 256;
  const batch = await rounds(
    {
      'baseline (sum)': () => {
        for (let k = 0; k < BATCH; k++) sink += values[i++ & 4095] as number;
      },
      '@scaling/core Histogram.record': () => {
        for (let k = 0; k < BATCH; k++) ours.record(values[i++ & 4095] as number);
      },
      'perf_hooks createHistogram().record': () => {
        for (let k = 0; k < BATCH; k++) perf.record(micros[i++ & 4095] as number);
      },
      'hdr-histogram-js recordValue (JS)': () => {
        for (let k = 0; k < BATCH; k++) hdrJs.recordValue(micros[i++ & 4095] as number);
      },
      'prom-client Histogram.observe': () => {
        for (let k = 0; k < BATCH; k++) prom.observe((values[i++ & 4095] as number) / 1000);
      },
    },
    ctx,
    n,
  );
  const record: Record<string, Measured> = {};
  // ns per record from the throughput (the latency mean counts preemptions on a loaded machine).
  for (const [k, v] of Object.entries(batch)) record[k] = { hz: v.hz * BATCH, meanNs: 1e9 / (v.hz * BATCH), rme: v.rme };
  if (sink === -1) console.log(sink);

  // Scrape / collection cost over a realistic set of sources.
  const registry = new Registry();
  const collector = new StatsCollector({ registry });
  const producer = new StatsHistogramProducer();
  const reader = new Reader({ metricProducers: [producer] });
  const provider = new MeterProvider({ readers: [reader] });
  const instruments = new StatsInstruments({ meter: provider.getMeter('bench'), histograms: producer });
  const list = sources();
  for (const s of list) {
    collector.register(s.name, { stats: s.stats }, s.labels);
    instruments.register(s.name, { stats: s.stats }, s.labels);
  }
  const text = await registry.metrics();
  const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics.reduce((a, s) => a + s.metrics.reduce((b, m) => b + m.dataPoints.length, 0), 0);
  const histograms = 5 * 2 + 2 * 8 + 8 + 3;
  const scrape = await rounds(
    {
      'Prometheus: registry.metrics()': () => registry.metrics(),
      'OpenTelemetry: reader.collect()': () => reader.collect(),
      'stats() of every source (floor)': () => {
        for (const s of list) s.stats();
      },
    },
    ctx,
    ctx.quick ? 1 : 3,
  );
  await provider.shutdown();

  const rec = (k: string) => (record[k] as Measured).meanNs;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return {
    area: 'monitoring',
    title: 'monitoring: histogram record cost and adapter scrape cost',
    ratios: [
      {
        name: 'Histogram.record speed vs prom-client Histogram.observe',
        ours: '@scaling/core Histogram.record',
        peer: 'prom-client Histogram.observe',
        value: rec('prom-client Histogram.observe') / rec('@scaling/core Histogram.record'),
      },
      {
        name: 'Histogram.record speed vs hdr-histogram-js recordValue',
        ours: '@scaling/core Histogram.record',
        peer: 'hdr-histogram-js recordValue (JS)',
        value: rec('hdr-histogram-js recordValue (JS)') / rec('@scaling/core Histogram.record'),
      },
      {
        name: 'Histogram.record speed vs perf_hooks createHistogram().record',
        ours: '@scaling/core Histogram.record',
        peer: 'perf_hooks createHistogram().record',
        value: rec('perf_hooks createHistogram().record') / rec('@scaling/core Histogram.record'),
      },
    ],
    tables: [
      {
        title: 'Recording one latency (same run, median of rounds)',
        columns: ['histogram', 'ns/op', 'ops/s'],
        rows: Object.entries(record).map(([k, v]) => [k, v.meanNs, v.hz]),
        note: `perf_hooks and hdr-histogram-js record integer µs; prom-client observes seconds into 14 buckets; ours records ms (1 µs … 1 h, ≤ 0.78 % error). Load average ${load}.`,
      },
      {
        title: `One scrape / collection of ${list.length} sources (${histograms} histograms; ${series} Prometheus samples, ${points} OTel points)`,
        columns: ['what', 'µs per scrape', 'scrapes/s'],
        rows: Object.entries(scrape).map(([k, v]) => [k, v.meanNs / 1000, v.hz]),
        note: `Nothing runs on the objects' hot paths: this is the whole cost of the adapters, paid per scrape. Load average ${load}.`,
      },
    ],
    charts: [
      {
        id: 'record-ns',
        title: 'Histogram record cost (ns/op, lower is better)',
        kind: 'bar',
        xLabel: 'histogram',
        yLabel: 'ns/op',
        data: Object.entries(record).map(([k, v]) => ({ series: 'ns/op', x: k, y: v.meanNs })),
      },
    ],
    notes: [`Load average during the run: ${load} (shared machine).`],
  };
}
