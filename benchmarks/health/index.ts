import { HealthChecker, ReadinessCheck } from '@cloudnative/health';
import { ManualClock } from '@scaling/core';
import { createHealthHandler, type HealthCheckEntry, HealthMonitor, OutlierDetector } from '@scaling/health';
import { measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Ratio } from '../_lib/types.js';

const BATCH = 1_000;
const ENDPOINTS = 64;
const CHECKS = 50;

/**
 * Overhead of the two things that run often: recording a request outcome in the OutlierDetector (every
 * request) and building the health report (every probe), each next to a baseline that does the least
 * any implementation must do, and @cloudnative/health's getStatus() for the report.
 */
export default async function run(ctx: AreaContext): Promise<AreaReport> {
  // ---- OutlierDetector.record --------------------------------------------------------------------
  const ids = Array.from({ length: ENDPOINTS }, (_, i) => `10.0.0.${i}:8080`);
  const target = { setHealthy: (_id: string, _healthy: boolean) => {} };
  const clock = new ManualClock();
  const detector = new OutlierDetector({ target, clock, endpoints: ids });
  const OK = { ok: true, latencyMs: 4 };
  const FAIL = { ok: false, latencyMs: 4 };
  // 1 request in 64 fails, never 5 in a row for one endpoint: the steady state of a healthy pool
  const outcomes = Array.from({ length: 4096 }, (_, i) => (i % 64 === 7 ? FAIL : OK));
  const counts = new Uint32Array(ENDPOINTS);
  const index = new Map(ids.map((id, i) => [id, i]));
  let k = 0;
  let sink = 0;

  ctx.progress('OutlierDetector.record');
  const rec = await measure(
    {
      'baseline: counter++': () => {
        for (let j = 0; j < BATCH; j++) {
          const slot = k++ & 63;
          counts[slot] = (counts[slot] as number) + 1;
        }
      },
      'baseline: Map lookup + counter': () => {
        for (let j = 0; j < BATCH; j++) {
          const i = k++;
          const o = outcomes[i & 4095] as { ok: boolean };
          const slot = index.get(ids[i & 63] as string) as number;
          counts[slot] = (counts[slot] as number) + (o.ok ? 1 : -1);
        }
      },
      'OutlierDetector.record': () => {
        for (let j = 0; j < BATCH; j++) {
          const i = k++;
          detector.record(ids[i & 63] as string, outcomes[i & 4095] as { ok: boolean });
        }
      },
    },
    ctx,
  );
  // the analysis sweep every 10 s (simulated time) is part of the cost, amortised
  clock.advance(10_000);

  // ---- report() with 50 checks -------------------------------------------------------------------
  ctx.progress('report() with 50 checks');
  const monitor = new HealthMonitor({
    clock,
    wallClock: () => 1_764_000_000_000,
    serviceId: 'orders',
    checks: Array.from({ length: CHECKS }, (_, i) => ({
      name: `dep-${i}`,
      key: `dep-${i}:responseTime`,
      componentType: 'datastore',
      healthyThreshold: 1,
      check: () => ({ observedValue: i, observedUnit: 'ms' }),
    })),
  }).start();
  for (let i = 0; i < 3; i++) await clock.advanceAsync(0);
  monitor.stop();
  if (monitor.status !== 'pass') throw new Error('expected every check to pass before measuring');
  const entries: HealthCheckEntry[] = Object.values(monitor.report().checks).map((list) => ({ ...(list[0] as HealthCheckEntry) }));
  const keys = Object.keys(monitor.report().checks);
  const equivalent = () => {
    const checks: Record<string, HealthCheckEntry[]> = {};
    for (let i = 0; i < CHECKS; i++) checks[keys[i] as string] = [entries[i] as HealthCheckEntry];
    return { status: 'pass', serviceId: 'orders', checks };
  };
  const prebuilt = equivalent();
  const handler = createHealthHandler({ monitor });

  const cloud = new HealthChecker();
  for (let i = 0; i < CHECKS; i++) cloud.registerReadinessCheck(new ReadinessCheck(`dep-${i}`, () => Promise.resolve()));
  await cloud.getStatus();
  const CLOUD_BATCH = 50;

  const rep = await measure(
    {
      'baseline: build equivalent object': () => {
        for (let j = 0; j < BATCH; j++) sink += equivalent().status.length & 1;
      },
      'HealthMonitor.report()': () => {
        for (let j = 0; j < BATCH; j++) sink += monitor.report().status.length & 1;
      },
      'baseline: JSON.stringify(equivalent)': () => {
        for (let j = 0; j < BATCH; j++) sink += JSON.stringify(prebuilt).length & 1;
      },
      'JSON.stringify(report()) (render on a change)': () => {
        for (let j = 0; j < BATCH; j++) sink += JSON.stringify(monitor.report()).length & 1;
      },
      "handler.render('health') (cached between changes)": () => {
        for (let j = 0; j < BATCH; j++) sink += handler.render('health').body.length & 1;
      },
      '@cloudnative/health getStatus() (runs the 50 checks)': async () => {
        for (let j = 0; j < CLOUD_BATCH; j++) sink += (await cloud.getStatus()).checks.length & 1;
      },
    },
    ctx,
  );
  if (sink === 0.5) console.log(sink);

  const ops = (r: Record<string, { hz: number }>, name: string, batch = BATCH) => (r[name]?.hz ?? 0) * batch;
  const recOps = {
    counter: ops(rec, 'baseline: counter++'),
    map: ops(rec, 'baseline: Map lookup + counter'),
    record: ops(rec, 'OutlierDetector.record'),
  };
  const repOps = {
    build: ops(rep, 'baseline: build equivalent object'),
    report: ops(rep, 'HealthMonitor.report()'),
    stringify: ops(rep, 'baseline: JSON.stringify(equivalent)'),
    uncached: ops(rep, 'JSON.stringify(report()) (render on a change)'),
    render: ops(rep, "handler.render('health') (cached between changes)"),
    cloud: ops(rep, '@cloudnative/health getStatus() (runs the 50 checks)', CLOUD_BATCH),
  };
  const ratios: Ratio[] = [
    {
      name: 'record() cost vs Map lookup + counter (×, lower is better)',
      ours: 'OutlierDetector.record',
      peer: 'baseline: Map lookup + counter',
      value: recOps.map / recOps.record,
      target: { op: '<=', value: 2 },
    },
    {
      name: 'record() cost vs counter++ (×)',
      ours: 'OutlierDetector.record',
      peer: 'baseline: counter++',
      value: recOps.counter / recOps.record,
    },
    {
      name: 'report() cost vs building an equivalent object (×, lower is better)',
      ours: 'HealthMonitor.report()',
      peer: 'baseline: build equivalent object',
      value: repOps.build / repOps.report,
      target: { op: '<=', value: 1.5 },
    },
    {
      name: 'JSON.stringify(report()) cost vs JSON.stringify of an equivalent object (×, lower is better)',
      ours: 'JSON.stringify(report())',
      peer: 'baseline: JSON.stringify(equivalent)',
      value: repOps.stringify / repOps.uncached,
      target: { op: '<=', value: 1.5 },
    },
    {
      name: "render('health') between changes, ops/s vs JSON.stringify of an equivalent object (×, higher is better)",
      ours: "handler.render('health')",
      peer: 'baseline: JSON.stringify(equivalent)',
      value: repOps.render / repOps.stringify,
    },
    {
      name: 'JSON.stringify(report()) ops/s vs @cloudnative/health getStatus() (×, higher is better)',
      ours: 'JSON.stringify(report())',
      peer: '@cloudnative/health getStatus()',
      value: repOps.uncached / repOps.cloud,
    },
  ];
  const row = (name: string, opsPerSec: number, rme = 0) => [name, opsPerSec, 1e9 / opsPerSec, rme];
  return {
    area: 'health',
    title: 'health: outlier-detector record() and report() overhead',
    ratios,
    tables: [
      {
        title: `Recording one request outcome (${ENDPOINTS} endpoints, 1 in 64 fails)`,
        columns: ['task', 'ops/s', 'ns/op', '± %'],
        rows: [
          row('baseline: counter++', recOps.counter, rec['baseline: counter++']?.rme),
          row('baseline: Map lookup + counter', recOps.map, rec['baseline: Map lookup + counter']?.rme),
          row('OutlierDetector.record', recOps.record, rec['OutlierDetector.record']?.rme),
        ],
      },
      {
        title: `Health report with ${CHECKS} checks`,
        columns: ['task', 'ops/s', 'ns/op', '± %'],
        rows: Object.entries(rep).map(([name, m]) => row(name, name.startsWith('@cloudnative') ? m.hz * CLOUD_BATCH : m.hz * BATCH, m.rme)),
        note: '@cloudnative/health runs every check promise on each getStatus() call (pull model); HealthMonitor runs checks on their own schedule and report() only assembles the latest results, so that row measures a different design, shown for what a /health request costs with each.',
      },
    ],
    charts: [
      {
        id: 'record',
        title: 'Recording one outcome (ops/s, higher is better)',
        kind: 'bar',
        xLabel: 'task',
        yLabel: 'ops/s',
        data: [
          { series: 'ops/s', x: 'counter++', y: recOps.counter },
          { series: 'ops/s', x: 'Map lookup + counter', y: recOps.map },
          { series: 'ops/s', x: 'OutlierDetector.record', y: recOps.record },
        ],
      },
      {
        id: 'report',
        title: `Health report with ${CHECKS} checks (ops/s, log scale)`,
        kind: 'bar',
        xLabel: 'task',
        yLabel: 'ops/s',
        logY: true,
        data: [
          { series: 'ops/s', x: 'build equivalent object', y: repOps.build },
          { series: 'ops/s', x: 'HealthMonitor.report()', y: repOps.report },
          { series: 'ops/s', x: 'JSON.stringify(equivalent)', y: repOps.stringify },
          { series: 'ops/s', x: 'JSON.stringify(report())', y: repOps.uncached },
          { series: 'ops/s', x: "render('health') cached", y: repOps.render },
          { series: 'ops/s', x: '@cloudnative/health getStatus()', y: repOps.cloud },
        ],
      },
    ],
    notes: [
      'lightship is not measured: it keeps one service state (no per-check report to assemble) and only exposes it over its own HTTP server, so no part of it is comparable in isolation.',
    ],
  };
}
