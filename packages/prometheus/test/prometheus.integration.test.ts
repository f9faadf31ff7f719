// A real Prometheus (Debian's `prometheus` package; own process, loopback only, temporary config and
// data directory) scrapes a test app's /metrics served by StatsCollector, and the HTTP API answers
// for the series; promtool checks the alerting rules of docs/monitoring and runs their unit tests.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cache } from '@scaling/cache';
import { Queue } from '@scaling/queue';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatsCollector } from '../src/index.js';
import { registerDocumentedShapes } from './fixtures/documented-shapes.js';

const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '';
const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '';
const monitoring = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'monitoring');

if (PROMTOOL_BIN === '') console.warn('alerting-rule tests: PROMTOOL_BIN not set (promtool missing?) — skipped');
if (PROMETHEUS_BIN === '') console.warn('Prometheus scrape test: PROMETHEUS_BIN not set (prometheus missing?) — skipped');

describe.skipIf(PROMTOOL_BIN === '')('docs/monitoring alerting rules', () => {
  it('promtool check rules accepts alerts.yml', () => {
    const r = spawnSync(PROMTOOL_BIN, ['check', 'rules', join(monitoring, 'alerts.yml')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('promtool test rules passes the rule unit tests in alerts.test.yml', () => {
    const r = spawnSync(PROMTOOL_BIN, ['test', 'rules', join(monitoring, 'alerts.test.yml')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

/** A free loopback port (bound, read, closed). */
async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe.skipIf(PROMETHEUS_BIN === '')('a real Prometheus scraping StatsCollector', () => {
  let app: Server | undefined;
  let prometheus: ChildProcess | undefined;
  let dir = '';
  let apiPort = 0;

  beforeAll(async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry });
    const cache = new Cache<string, number>({ max: 10 });
    const queue = new Queue({ concurrency: 2 });
    metrics.register('cache', cache, { cache: 'users', fake: 'no' });
    metrics.register('queue', queue, { queue: 'emails', fake: 'no' });
    // Every documented stats() shape, under a second label value so the real objects above stay alone.
    registerDocumentedShapes({
      register: (name, source, labels, options) => metrics.register(name, source, { ...labels, fake: 'yes' }, options),
    });
    metrics.register('cache', { stats: () => ({}) }, { cache: 'none', fake: 'no' });
    cache.set('a', 1);
    cache.get('a');
    cache.get('b');
    await queue.add(async () => {});

    app = createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    });
    await new Promise<void>((resolve) => app?.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;

    dir = mkdtempSync(join(tmpdir(), 'scaling-prometheus-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${join(monitoring, 'alerts.yml')}`,
        'scrape_configs:',
        '  - job_name: app',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${appPort}']`,
        '',
      ].join('\n'),
    );
    apiPort = await freePort();
    prometheus = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${apiPort}`,
      ],
      { stdio: 'ignore' },
    );
  }, 30_000);

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise<void>((resolve) => prometheus?.once('exit', () => resolve()));
      prometheus.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  /** Polls the query API until `query` returns at least one sample (or 45 s pass). */
  async function query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/query?query=${encodeURIComponent(q)}`);
        if (res.ok) {
          const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
          if (body.data.result.length > 0) return body.data.result;
        }
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`no sample for ${q} within 45 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('the HTTP API answers with the scraped counters and gauges, labels included', async () => {
    const hits = await query('scaling_cache_hits_total{fake="no"}');
    expect(hits[0]?.metric).toMatchObject({ job: 'app', cache: 'users' });
    // A histogram of the documented queue shape: cumulative le buckets, in seconds.
    const le = await query('scaling_queue_wait_duration_seconds_bucket{fake="yes",le="0.5"}');
    expect(le[0]?.value[1]).toBe('3');
    const endpoint = await query('scaling_http_client_endpoint_request_duration_seconds_count{endpoint="http://10.0.0.7:80"}');
    expect(endpoint[0]?.metric).toMatchObject({ client: 'users' });
    expect(hits[0]?.value[1]).toBe('1');
    const misses = await query('scaling_cache_misses_total{cache="users",fake="no"}');
    expect(misses[0]?.value[1]).toBe('1');
    const completed = await query('scaling_queue_completed_total{queue="emails",fake="no"}');
    expect(completed[0]?.value[1]).toBe('1');
    const size = await query('scaling_queue_size{queue="emails",fake="no"}');
    expect(size[0]?.value[1]).toBe('0');
  }, 60_000);

  it('every expr of the Grafana dashboard is valid PromQL for this Prometheus', async () => {
    const dashboard = JSON.parse(readFileSync(join(monitoring, 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    await query('scaling_cache_hits_total');
    for (const target of dashboard.panels.flatMap((p) => p.targets ?? [])) {
      const expr = target.expr.replaceAll('$job', '.*').replaceAll('$instance', '.*');
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string };
      expect(body.status, `${expr}: ${body.error ?? ''}`).toBe('success');
    }
  }, 60_000);

  it('loads the alerting rules of docs/monitoring', async () => {
    const deadline = Date.now() + 30_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/rules?type=alert`);
      const body = (await res.json()) as { data: { groups: { rules: { name: string }[] }[] } };
      names = body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
      if (names.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(names).toContain('ScalingCircuitBreakerOpen');
    expect(names).toContain('ScalingEndpointEjected');
    expect(names).toContain('ScalingLoadBalancerPanic');
    expect(names).toContain('ScalingQueueWaitP99High');
    expect(names).toHaveLength(9);
  }, 40_000);
});
