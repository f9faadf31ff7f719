import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Histogram } from '@scaling/core';
import { Queue } from '@scaling/queue';
import { describe, expect, it } from 'vitest';
import { StatsHistogramProducer, StatsInstruments } from '../src/index.js';
import { histograms, InMemoryReader } from './_metrics.js';

function setup(boundaries?: number[]) {
  const producer = new StatsHistogramProducer(boundaries === undefined ? undefined : { boundaries });
  const reader = new InMemoryReader({ metricProducers: [producer] });
  const provider = new MeterProvider({ readers: [reader] });
  const instruments = new StatsInstruments({ meter: provider.getMeter('test'), histograms: producer });
  return { reader, instruments, producer };
}

describe('StatsHistogramProducer with an sdk-metrics 2.x reader', () => {
  it('a core Histogram (ms) is an explicit-bucket histogram in seconds, with count, sum, min and max', async () => {
    const { reader, instruments } = setup([0.01, 0.1, 1]);
    const wait = new Histogram();
    for (const v of [3, 40, 45, 700, 5_000]) wait.record(v);
    instruments.register('queue', { stats: () => ({ completed: 5, waitDuration: wait.clone() }) }, { queue: 'emails' });
    const { out, resource } = await histograms(reader);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ name: 'scaling.queue.wait_duration', unit: 's', attributes: { queue: 'emails' } });
    expect(out[0]?.value.buckets).toEqual({ boundaries: [0.01, 0.1, 1], counts: [1, 2, 1, 1] });
    expect(out[0]?.value.count).toBe(5);
    expect(out[0]?.value.sum).toBeCloseTo(5.788);
    expect(out[0]?.value.min).toBeCloseTo(0.003);
    expect(out[0]?.value.max).toBeCloseTo(5);
    // The reader keeps the SDK's resource, not the producer's placeholder.
    expect(typeof resource.merge).toBe('function');
  });

  it('db.client.operation.duration with server.address / server.port from a host:port or URL member id; other members keep their attribute', async () => {
    const { reader, instruments } = setup();
    const d = new Histogram();
    d.record(20);
    instruments.register(
      'replicated_pool',
      {
        stats: () => ({
          replicas: {
            '10.0.0.7:5432': { queries: 1, queryDuration: d.clone() },
            'postgres://db.internal:6432': { queries: 0, queryDuration: new Histogram() },
            r1: { queries: 1, queryDuration: d.clone() },
          },
        }),
      },
      { pool: 'main', 'db.system.name': 'postgresql' },
      { semanticConventions: { 'replicas.*.queryDuration': 'db.client.operation.duration' } },
    );
    const { out } = await histograms(reader);
    const db = out.filter((p) => p.name === 'db.client.operation.duration');
    expect(db.map((p) => p.attributes)).toEqual([
      { pool: 'main', 'db.system.name': 'postgresql', 'server.address': '10.0.0.7', 'server.port': 5432 },
      { pool: 'main', 'db.system.name': 'postgresql', 'server.address': 'db.internal', 'server.port': 6432 },
      { pool: 'main', 'db.system.name': 'postgresql', replica: 'r1' },
    ]);
    expect(db[0]?.value.count).toBe(1);
    // Counters and gauges of the same snapshot stay observable instruments with the member as an attribute.
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names).toContain('scaling.replicated_pool.replica.queries');
  });

  it('an http-client per-endpoint histogram keeps its scaling name and endpoint attribute (http.client.request.duration is refused)', async () => {
    const { reader, instruments } = setup();
    const d = new Histogram();
    d.record(20);
    const source = { stats: () => ({ endpoints: { 'http://10.0.0.7:8080': { requests: 1, requestDuration: d.clone() } } }) };
    expect(() =>
      instruments.register(
        'http_client',
        source,
        {},
        {
          semanticConventions: { 'endpoints.*.requestDuration': 'http.client.request.duration' as never },
        },
      ),
    ).toThrow(/http\.request\.method.*recordHttpClientMetrics/);
    instruments.register('http_client', source, { client: 'api' });
    const { out } = await histograms(reader);
    expect(out.map((p) => [p.name, p.attributes])).toEqual([
      ['scaling.http_client.endpoint.request_duration', { client: 'api', endpoint: 'http://10.0.0.7:8080' }],
    ]);
  });

  it('a real Queue registered without a producer exports no histogram and no error', async () => {
    const reader = new InMemoryReader();
    const provider = new MeterProvider({ readers: [reader] });
    const instruments = new StatsInstruments({ meter: provider.getMeter('test') });
    const queue = new Queue({ concurrency: 1 });
    instruments.register('queue', queue);
    await queue.add(async () => {});
    const { out } = await histograms(reader);
    expect(out).toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => new StatsHistogramProducer({ boundaries: [2, 1] })).toThrow(/`boundaries`/);
    expect(() => new StatsHistogramProducer({ buckets: [] } as never)).toThrow(/buckets/);
    expect(() => new StatsInstruments({ meter: new MeterProvider().getMeter('x'), histograms: {} as never })).toThrow(/`histograms`/);
  });
});
