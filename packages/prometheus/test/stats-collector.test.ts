import { Cache } from '@scaling/cache';
import { Histogram } from '@scaling/core';
import { Queue } from '@scaling/queue';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StatsCollector } from '../src/index.js';

/** The value of one series in the text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('StatsCollector with a real prom-client Registry', () => {
  it('exposes a Cache and a Queue: counters with _total, gauges, labels, HELP and TYPE', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry });
    const cache = new Cache<string, number>({ max: 10 });
    const queue = new Queue({ concurrency: 1, maxQueued: 1 });
    metrics.register('cache', cache, { cache: 'users' });
    metrics.register('queue', queue, { queue: 'emails' });

    cache.set('a', 1);
    cache.get('a');
    cache.get('a');
    cache.get('b');
    let release!: () => void;
    const running = queue.add(() => new Promise<void>((r) => (release = r)));
    const waiting = queue.add(async () => {});
    await expect(queue.add(async () => {})).rejects.toMatchObject({ code: 'ERR_QUEUE_FULL' });

    const text = await registry.metrics();
    expect(text).toContain('# TYPE scaling_cache_hits_total counter');
    expect(text).toContain('# TYPE scaling_cache_hit_ratio gauge');
    expect(text).toContain('# TYPE scaling_queue_size gauge');
    expect(sample(text, 'scaling_cache_hits_total{cache="users"}')).toBe(2);
    expect(sample(text, 'scaling_cache_misses_total{cache="users"}')).toBe(1);
    expect(sample(text, 'scaling_cache_hit_ratio{cache="users"}')).toBeCloseTo(2 / 3);
    expect(sample(text, 'scaling_queue_rejected_full_total{queue="emails"}')).toBe(1);
    expect(sample(text, 'scaling_queue_pending{queue="emails"}')).toBe(1);
    expect(sample(text, 'scaling_queue_size{queue="emails"}')).toBe(1);
    expect(sample(text, 'scaling_queue_waiting_for_room{queue="emails"}')).toBe(0);

    release();
    await Promise.all([running, waiting]);
    const after = await registry.metrics();
    expect(sample(after, 'scaling_queue_completed_total{queue="emails"}')).toBe(2);
    expect(sample(after, 'scaling_queue_pending{queue="emails"}')).toBe(0);
  });

  it('reads stats() at scrape time, once per object per scrape', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry });
    let calls = 0;
    let hits = 0;
    metrics.register('thing', {
      stats: () => {
        calls++;
        return { hits, misses: 0, size: 3 };
      },
    });
    calls = 0;
    hits = 5;
    const text = await registry.metrics();
    expect(sample(text, 'scaling_thing_hits_total')).toBe(5);
    expect(calls).toBe(1);
  });

  it('flattens nested objects with _, turns …Ms into seconds, booleans into 0/1 and strings into a state label', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry, prefix: 'app_' });
    const breaker = { state: 'closed', rejected: 0 };
    metrics.register('circuit_breaker', { stats: () => ({ ...breaker }) }, { breaker: 'db' });
    metrics.register('limiter', { stats: () => ({ storeDown: true, shed: { limit: 4, queue: 1 }, delayMs: 250 }) });
    breaker.state = 'open';
    const text = await registry.metrics();
    expect(sample(text, 'app_circuit_breaker_state{breaker="db",state="open"}')).toBe(1);
    expect(text).not.toContain('state="closed"');
    expect(sample(text, 'app_limiter_store_down')).toBe(1);
    expect(sample(text, 'app_limiter_shed_limit_total')).toBe(4);
    expect(sample(text, 'app_limiter_shed_queue_total')).toBe(1);
    expect(sample(text, 'app_limiter_delay_seconds')).toBe(0.25);
  });

  it('a core Histogram (ms) becomes a Prometheus histogram in seconds: cumulative _bucket{le}, _sum, _count', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry });
    const waitDuration = new Histogram();
    metrics.register('worker', { stats: () => ({ jobs: waitDuration.count, waitDuration: waitDuration.clone() }) }, { worker: 'w1' });
    for (let i = 1; i <= 100; i++) waitDuration.record(i * 10 + 3); // 13 ms … 1.003 s, off the boundaries
    const text = await registry.metrics();
    expect(text).toContain('# TYPE scaling_worker_wait_duration_seconds histogram');
    expect(sample(text, 'scaling_worker_wait_duration_seconds_bucket{worker="w1",le="0.1"}')).toBe(9);
    expect(sample(text, 'scaling_worker_wait_duration_seconds_bucket{worker="w1",le="0.25"}')).toBe(24);
    expect(sample(text, 'scaling_worker_wait_duration_seconds_bucket{worker="w1",le="1"}')).toBe(99);
    expect(sample(text, 'scaling_worker_wait_duration_seconds_bucket{worker="w1",le="+Inf"}')).toBe(100);
    expect(sample(text, 'scaling_worker_wait_duration_seconds_count{worker="w1"}')).toBe(100);
    expect(sample(text, 'scaling_worker_wait_duration_seconds_sum{worker="w1"}')).toBeCloseTo(50.8);
    expect(sample(text, 'scaling_worker_jobs_total{worker="w1"}')).toBe(100);
    // Buckets are cumulative and non-decreasing in le order.
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith('scaling_worker_wait_duration_seconds_bucket'))
      .map((l) => Number(l.split(' ')[1]));
    expect(buckets).toHaveLength(metrics.buckets.length + 1);
    expect([...buckets].sort((x, y) => x - y)).toEqual(buckets);
  });

  it('custom buckets; a member collection becomes a label; semantic-convention names for a database client histogram; the HTTP client histogram keeps its scaling_ name', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry, buckets: [0.01, 0.1] });
    const d = new Histogram();
    d.record(5);
    d.record(50);
    const snapshot = () => ({
      panic: false,
      endpoints: {
        'http://10.0.0.7:8080': { requests: 2, active: 1, ejected: true, state: 'ejected', requestDuration: d.clone() },
        'https://api.example': { requests: 0, active: 0, ejected: false, state: 'healthy', requestDuration: new Histogram() },
      },
    });
    metrics.register('http_client', { stats: snapshot }, { client: 'api' });
    metrics.register(
      'replicated_pool',
      { stats: () => ({ replicas: { '10.0.0.7:5432': { queryDuration: d.clone() }, r1: { queryDuration: new Histogram() } } }) },
      { pool: 'main' },
      { semanticConventions: { 'replicas.*.queryDuration': 'db.client.operation.duration' } },
    );
    metrics.register('load_balancer', { stats: snapshot }, { balancer: 'lb' });
    const text = await registry.metrics();
    expect(sample(text, 'scaling_http_client_endpoint_requests_total{client="api",endpoint="http://10.0.0.7:8080"}')).toBe(2);
    expect(sample(text, 'scaling_http_client_endpoint_active{client="api",endpoint="http://10.0.0.7:8080"}')).toBe(1);
    expect(sample(text, 'scaling_load_balancer_endpoint_ejected{balancer="lb",endpoint="http://10.0.0.7:8080"}')).toBe(1);
    expect(sample(text, 'scaling_load_balancer_endpoint_state{balancer="lb",endpoint="https://api.example",state="healthy"}')).toBe(1);
    expect(sample(text, 'scaling_load_balancer_panic{balancer="lb"}')).toBe(0);
    // A semantic-convention histogram: a host:port member id becomes server_address / server_port.
    expect(
      sample(text, 'db_client_operation_duration_seconds_bucket{pool="main",server_address="10.0.0.7",server_port="5432",le="0.01"}'),
    ).toBe(1);
    expect(
      sample(text, 'db_client_operation_duration_seconds_bucket{pool="main",server_address="10.0.0.7",server_port="5432",le="0.1"}'),
    ).toBe(2);
    expect(sample(text, 'db_client_operation_duration_seconds_count{pool="main",replica="r1"}')).toBe(0);
    // The http-client per-endpoint histogram keeps its scaling_ name and the endpoint label.
    expect(sample(text, 'scaling_http_client_endpoint_request_duration_seconds_count{client="api",endpoint="http://10.0.0.7:8080"}')).toBe(
      2,
    );
    expect(
      sample(text, 'scaling_load_balancer_endpoint_request_duration_seconds_count{balancer="lb",endpoint="http://10.0.0.7:8080"}'),
    ).toBe(2);
  });

  it('OpenMetrics exposition: counters keep one _total, histograms are unchanged', async () => {
    const registry = new Registry();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
    const metrics = new StatsCollector({ registry });
    const h = new Histogram();
    h.record(1);
    metrics.register('queue', { stats: () => ({ completed: 3, waitDuration: h }) });
    const text = await registry.metrics();
    expect(sample(text, 'scaling_queue_completed_total')).toBe(3);
    expect(text).not.toContain('_total_total');
    expect(sample(text, 'scaling_queue_wait_duration_seconds_count')).toBe(1);
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
  });

  it('several instances under one name share the series; unregister removes theirs', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry });
    const a = new Cache<string, number>({ max: 2 });
    const b = new Cache<string, number>({ max: 2 });
    metrics.register('cache', a, { cache: 'a' });
    const stop = metrics.register('cache', b, { cache: 'b' });
    b.get('x');
    let text = await registry.metrics();
    expect(sample(text, 'scaling_cache_misses_total{cache="a"}')).toBe(0);
    expect(sample(text, 'scaling_cache_misses_total{cache="b"}')).toBe(1);
    stop();
    stop();
    text = await registry.metrics();
    expect(sample(text, 'scaling_cache_misses_total{cache="b"}')).toBeUndefined();
    expect(sample(text, 'scaling_cache_misses_total{cache="a"}')).toBe(0);
  });

  it('members that appear after registration (a new replica id) are exported at once; new fields from the next scrape', async () => {
    const registry = new Registry();
    const metrics = new StatsCollector({ registry });
    const replicas: Record<string, number> = { r1: 1 };
    let extra: Record<string, number> = {};
    metrics.register('pool', { stats: () => ({ primary: 0, replicas: { ...replicas }, ...extra }) });
    replicas.r2 = 7;
    extra = { retries: 2 };
    let text = await registry.metrics();
    expect(sample(text, 'scaling_pool_replicas_total{replica="r2"}')).toBe(7);
    expect(sample(text, 'scaling_pool_replicas_total{replica="r1"}')).toBe(1);
    text = await registry.metrics();
    expect(sample(text, 'scaling_pool_retries_total')).toBe(2);
  });

  it('rejects bad options and registrations with messages naming them', () => {
    const registry = new Registry();
    expect(() => new StatsCollector({ registers: [registry] } as never)).toThrow(/registry/);
    expect(() => new StatsCollector({ registry: {} as never })).toThrow(/`registry`/);
    expect(() => new StatsCollector({ registry, prefix: '1x' })).toThrow(/`prefix`/);
    const metrics = new StatsCollector({ registry });
    expect(() => metrics.register('bad-name', { stats: () => ({}) })).toThrow(/`name`/);
    expect(() => metrics.register('x', {} as never)).toThrow(/stats\(\)/);
    expect(() => metrics.register('x', { stats: () => 3 as never })).toThrow(/object/);
    metrics.register('y', { stats: () => ({ n: 1 }) }, { id: 'a' });
    expect(() => metrics.register('y', { stats: () => ({ n: 1 }) }, { other: 'b' })).toThrow(/labels of `y`/);
    expect(() => metrics.register('y', { stats: () => ({ n: 1 }) }, { id: 'a' })).toThrow(/once/);
    expect(() => new StatsCollector({ registry, buckets: [1, 0.5] })).toThrow(/`buckets`/);
    expect(() => metrics.register('z', { stats: () => ({}) }, {}, { semanticConventions: { d: 'http.server' as never } })).toThrow(
      /semanticConventions\.d/,
    );
    expect(() => metrics.register('z', { stats: () => ({}) }, {}, { semconv: {} } as never)).toThrow(/semconv/);
    // new-user review, 2026-12: http.client.request.duration lacks method/status — refused, with the reason and the alternative.
    expect(() =>
      metrics.register('z', { stats: () => ({}) }, {}, { semanticConventions: { d: 'http.client.request.duration' as never } }),
    ).toThrow(/http\.request\.method.*recordHttpClientMetrics/);
    expect(() => metrics.register('z', { stats: () => ({}) }, { le: 'x' })).toThrow(/`le`/);
  });
});
