/**
 * `npm run demo` — the fleet: private PostgreSQL (primary + streaming replica) and Redis, an edge, three web
 * instances, two job workers and four upstream services, each its own process; ~30 s of load with faults;
 * a summary and an HTML report (see ./fleet/driver.ts). Falls back to the single-process demo when an
 * engine's binaries are missing.
 *
 * `npm run demo -- --single` — today's one-process version: four upstream processes and the gateway, ~20 s
 * of load while one upstream is killed and another made 10× slower.
 *
 *   npm run demo -- --single --strategy p2c   another balancing strategy
 *   npm run demo -- --serve                   leave everything running for curl
 *   npm run demo -- --duration 10             a shorter run
 */

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type Gateway, STRATEGIES, startGateway } from './gateway.js';
import type { LoadDone, LoadProgress, LoadWorkerInput } from './load-mix.js';
import { GatewayMetrics } from './metrics.js';
import { writeHtmlReport } from './report.js';
import { runReportPath } from './report-path.js';
import { formatSummary, summarize } from './summary.js';
import { killUpstream, slowUpstream, startUpstreams, stopUpstreams, type UpstreamProcess } from './upstreams.js';

const HELP = `Usage: npm run demo -- [options]

The fleet (default): edge + 3 web instances + 2 job workers + 4 upstream services, on a private
PostgreSQL primary/replica and a private Redis, with faults.
  --duration S        seconds of load (default 30; 20 with --single)
  --connections N     concurrent load-client connections (default 16; 32 with --single)
  --rate N            requests/s over all connections, 0 = as fast as possible (default 300; 0 with --single)
  --serve             start everything, print the URLs, run until Ctrl-C
  --port N            edge (gateway with --single) port (default 8080 with --serve, a free port otherwise)
  --report PATH       where to write the HTML report (default <tmpdir>/scaling-gateway-demo/fleet-<time>-<pid>.html,
                      a new file per run; printed at the end)
  --json PATH         also write the summary as JSON
  --no-pg, --no-redis behave as if the engine's binaries were missing (the demo falls back to --single)

  --single            today's one-process gateway in front of four upstream processes
  --strategy NAME     (--single) load-balancing strategy: ${Object.keys(STRATEGIES).join(', ')} (default peak-ewma)
  --help              this text

Replica routing: set DATABASE_URL (primary) and REPLICA_URLS (comma-separated) to read products
through @scaling/replica-router-pg.`;

const { values } = parseArgs({
  options: {
    strategy: { type: 'string', default: 'peak-ewma' },
    serve: { type: 'boolean', default: false },
    port: { type: 'string' },
    single: { type: 'boolean', default: false },
    'no-pg': { type: 'boolean', default: false },
    'no-redis': { type: 'boolean', default: false },
    duration: { type: 'string' },
    connections: { type: 'string' },
    rate: { type: 'string' },
    report: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const strategy = values.strategy!;
if (!Object.hasOwn(STRATEGIES, strategy)) {
  console.error(`Unknown --strategy ${JSON.stringify(strategy)}; expected one of ${Object.keys(STRATEGIES).join(', ')}.`);
  process.exit(2);
}
const fleet = !values.single;
const durationSeconds = Number(values.duration ?? (fleet ? 30 : 20));
const connections = Number(values.connections ?? (fleet ? 16 : 32));
const rate = Number(values.rate ?? (fleet ? 300 : 0));
if (!(durationSeconds > 0) || !(connections > 0) || !(rate >= 0)) {
  console.error('--duration and --connections must be positive numbers, --rate zero or more.');
  process.exit(2);
}

const UPSTREAMS = 4;
const SLOW_FACTOR = 10;
const BUCKET_MS = 500;
const tty = process.stdout.isTTY === true;

async function main(): Promise<void> {
  if (fleet) {
    const { runFleet } = await import('./fleet/driver.js');
    const r = await runFleet({
      durationSeconds,
      connections,
      rate,
      serve: values.serve === true,
      port: values.port !== undefined ? Number(values.port) : undefined,
      report: values.report,
      json: values.json,
      pg: !values['no-pg'],
      redis: !values['no-redis'],
    });
    if (r === 'done') return;
    console.log('\nThe fleet needs private PostgreSQL and Redis servers; what was found:');
    for (const line of r.fallback) console.log(`  ${line}`);
    console.log('Falling back to the single-process demo (in-process cache and queue, no replica): the same as --single.\n');
  }
  const upstreams = await startUpstreams(UPSTREAMS);
  const metrics = new GatewayMetrics(upstreams.map((u) => u.id));
  const quietLog = (line: string): void => {
    if (values.serve) console.log(line);
  };
  const gateway = await startGateway({
    upstreams: upstreams.map((u) => ({ id: u.id, url: u.url })),
    strategy,
    metrics,
    port: values.port !== undefined ? Number(values.port) : values.serve ? 8080 : 0,
    log: quietLog,
    databaseUrl: process.env.DATABASE_URL,
    replicaUrls: process.env.REPLICA_URLS?.split(',').filter(Boolean),
  });
  const shutdown = async (): Promise<void> => {
    await gateway.close();
    stopUpstreams(upstreams);
  };

  console.log(`scaling gateway demo — ${gateway.url}`);
  console.log(`upstreams: ${upstreams.map((u) => `${u.id} ${u.url} (pid ${u.child.pid})`).join(', ')}`);
  for (const f of gateway.features) console.log(`  ${f}`);

  if (values.serve) return serve(gateway, shutdown);
  await loadRun(gateway, upstreams, metrics);
  await shutdown();
}

function serve(gateway: Gateway, shutdown: () => Promise<void>): void {
  const u = gateway.url;
  console.log(`
The gateway is running. Try:
  curl -i ${u}/products/42        # cached: x-cache: miss, then hit
  curl ${u}/users/7/cart          # always the upstream that owns user 7
  curl -i -X POST ${u}/orders -d '{"sku":1}'   # 202, or 429 when the queue is full
  curl ${u}/work                  # balanced (${gateway.features[0]?.split(/\s+/)[2]})
  curl ${u}/health                # application/health+json
  curl ${u}/metrics               # Prometheus text: every primitive's stats()
  curl ${u}/stats                 # the same snapshots as JSON
Ctrl-C stops it.`);
  const stop = (): void => {
    shutdown().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function loadRun(gateway: Gateway, upstreams: UpstreamProcess[], metrics: GatewayMetrics): Promise<void> {
  const victim = upstreams[2]!;
  const laggard = upstreams[1]!;
  const killAt = durationSeconds * 0.35;
  const slowAt = durationSeconds * 0.5;
  const states = new Map(upstreams.map((u) => [u.id, { alive: true, note: '' }]));
  console.log(
    `\nLoad run: ${durationSeconds} s, ${connections} connections${rate > 0 ? `, ${rate} req/s` : ''}; ${victim.id} is killed at ${killAt.toFixed(1)} s, ${laggard.id} made ${SLOW_FACTOR}× slower at ${slowAt.toFixed(1)} s.\n`,
  );

  const input: LoadWorkerInput = { url: gateway.url, connections, durationSeconds, rate };
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: input });
  let progress: LoadProgress = { type: 'progress', responses: 0, byStatus: {}, errors: 0, timeouts: 0 };
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolveStarted) => {
    onStarted = resolveStarted;
  });
  const done = new Promise<LoadDone>((resolveDone, reject) => {
    worker.on('message', (m: LoadProgress | LoadDone | { type: 'started' }) => {
      if (m.type === 'progress') progress = m;
      else if (m.type === 'started') onStarted();
      else resolveDone(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited (code ${code}) before it finished`)));
  });
  // The timeline, the kill and the slow-down are timed from the first request, not from the worker's start-up.
  await Promise.race([started, done]);
  metrics.startTimeline();
  const timers = [
    setTimeout(() => {
      killUpstream(victim);
      states.get(victim.id)!.alive = false;
      metrics.event(`${victim.id} killed (SIGKILL)`);
    }, killAt * 1000),
    setTimeout(() => {
      slowUpstream(laggard, SLOW_FACTOR).then(
        () => {
          states.get(laggard.id)!.note = `slow (${SLOW_FACTOR}×)`;
          metrics.event(`${laggard.id} made ${SLOW_FACTOR}× slower`);
        },
        (error: unknown) => metrics.event(`could not slow ${laggard.id}: ${String(error)}`),
      );
    }, slowAt * 1000),
  ];
  let lastPrinted = 0;
  const sampler = setInterval(() => {
    const snap = gateway.stats();
    const point = metrics.sample(BUCKET_MS, snap, gateway.origins);
    const line = progressLine(point.t, progress, point.rps, point.p99, point.healthy, point.queueDepth, snap.cache.hitRatio);
    if (tty) process.stdout.write(`\r\x1b[K${line}`);
    else if (point.t - lastPrinted >= 5) {
      lastPrinted = point.t;
      console.log(line);
    }
  }, BUCKET_MS);

  const result = await done;
  clearInterval(sampler);
  for (const t of timers) clearTimeout(t);
  await worker.terminate();
  if (tty) process.stdout.write('\r\x1b[K');
  console.log(
    progressLine(
      metrics.elapsed(),
      progress,
      Number.NaN,
      Number.NaN,
      countHealthy(metrics),
      gateway.stats().queue.size,
      gateway.stats().cache.hitRatio,
    ),
  );

  // Let accepted orders finish (the queue drains in the background) before counting them.
  const drainBy = performance.now() + 3_000;
  const busy = (): boolean => {
    const q = gateway.stats().queue;
    return q.size > 0 || q.pending > 0;
  };
  while (busy() && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 50));

  const summary = summarize({
    strategy,
    durationSeconds,
    metrics,
    client: {
      responses: progress.responses,
      byStatus: progress.byStatus,
      errors: progress.errors,
      latency: { p50: result.latency.p50, p99: result.latency.p99 },
    },
    states,
    snapshot: gateway.stats(),
    origins: gateway.origins,
    replicaRouting: gateway.replicaRouting(),
  });
  console.log(formatSummary(summary));
  const reportPath = resolve(values.report ?? runReportPath(`demo-${strategy}`));
  await writeHtmlReport(reportPath, summary, metrics.timeline);
  console.log(`\nHTML report: ${reportPath}`);
  if (values.json) {
    writeFileSync(resolve(values.json), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`JSON summary: ${resolve(values.json)}`);
  }
  if (!summary.checks.every((c) => c.ok)) process.exitCode = 1;
}

function countHealthy(metrics: GatewayMetrics): number {
  let n = 0;
  for (const u of metrics.upstreams.values()) if (u.healthy) n++;
  return n;
}

function progressLine(t: number, p: LoadProgress, rps: number, p99: number, healthy: number, queue: number, hitRatio: number): string {
  let fiveXx = 0;
  let ok = 0;
  for (const [code, n] of Object.entries(p.byStatus)) {
    if (Number(code) >= 500) fiveXx += n;
    else if (Number(code) < 400) ok += n;
  }
  const width = 20;
  const filled = Math.min(width, Math.round((t / durationSeconds) * width));
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const parts = [
    `${t.toFixed(1).padStart(5)} s ${bar}`,
    Number.isFinite(rps) ? `${Math.round(rps).toLocaleString('en-US').padStart(6)} req/s` : 'done',
    `${ok.toLocaleString('en-US')} ok`,
    `${(fiveXx + p.errors).toLocaleString('en-US')} errors`,
    `${(p.byStatus['429'] ?? 0).toLocaleString('en-US')} × 429`,
    ...(Number.isFinite(p99) ? [`p99 ${p99.toFixed(1)} ms`] : []),
    `upstreams ${healthy}/${UPSTREAMS}`,
    `queue ${queue}`,
    `cache ${(hitRatio * 100).toFixed(0)} %`,
  ];
  return parts.join(' · ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
