import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Histogram } from '@scaling/core';
import { Queue } from '@scaling/queue';
import { describe, expect, it } from 'vitest';
import { StatsHistogramProducer, StatsInstruments } from '../src/index.js';

class InMemoryReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface HistogramValue {
  buckets: { boundaries: number[]; counts: number[] };
  sum: number;
  count: number;
  min?: number;
  max?: number;
}

async function histograms(reader: MetricReader) {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const out: { name: string; unit: string; attributes: Record<string, unknown>; value: HistogramValue }[] = [];
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics)
      if (m.dataPointType === DataPointType.HISTOGRAM)
        for (const p of m.dataPoints)
          out.push({ name: m.descriptor.name, unit: m.descriptor.unit, attributes: p.attributes, value: p.value as HistogramValue });
  return { out, resource: resourceMetrics.resource };
}

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

  it('http.client.request.duration with server.address / server.port from the endpoint origin; other members keep their attribute', async () => {
    const { reader, instruments } = setup();
    const d = new Histogram();
    d.record(20);
    instruments.register(
      'http_client',
      {
        stats: () => ({
          endpoints: {
            'http://10.0.0.7:8080': { requests: 1, requestDuration: d.clone() },
            'not a url': { requests: 0, requestDuration: new Histogram() },
          },
        }),
      },
      { client: 'api' },
      { semanticConventions: { 'endpoints.*.requestDuration': 'http.client.request.duration' } },
    );
    instruments.register(
      'replica_router',
      { stats: () => ({ replicas: { r1: { queryDuration: d.clone() } } }) },
      {},
      { semanticConventions: { 'replicas.*.queryDuration': 'db.client.operation.duration' } },
    );
    const { out } = await histograms(reader);
    const http = out.filter((p) => p.name === 'http.client.request.duration');
    expect(http.map((p) => p.attributes)).toEqual([
      { client: 'api', 'server.address': '10.0.0.7', 'server.port': 8080 },
      { client: 'api', endpoint: 'not a url' },
    ]);
    expect(http[0]?.value.count).toBe(1);
    expect(out.find((p) => p.name === 'db.client.operation.duration')?.attributes).toEqual({ replica: 'r1' });
    // Counters and gauges of the same snapshot stay observable instruments with the member as an attribute.
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names).toContain('scaling.http_client.endpoint.requests');
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
