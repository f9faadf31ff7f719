import { DataPointType, MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { Cache } from '@scaling/cache';
import { Queue } from '@scaling/queue';
import { describe, expect, it } from 'vitest';
import { StatsInstruments } from '../src/index.js';
import { InMemoryReader } from './_metrics.js';

interface Point {
  name: string;
  type: DataPointType;
  unit: string;
  attributes: Record<string, unknown>;
  value: unknown;
}

async function collect(reader: MetricReader): Promise<Point[]> {
  const { resourceMetrics } = await reader.collect();
  const out: Point[] = [];
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics)
      for (const p of m.dataPoints as { attributes: Record<string, unknown>; value: unknown }[])
        out.push({ name: m.descriptor.name, type: m.dataPointType, unit: m.descriptor.unit, attributes: p.attributes, value: p.value });
  return out;
}

function find(points: Point[], name: string, attributes: Record<string, unknown> = {}): Point | undefined {
  return points.find((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
}

function setup() {
  const reader = new InMemoryReader();
  const provider = new MeterProvider({ readers: [reader] });
  const instruments = new StatsInstruments({ meter: provider.getMeter('test') });
  return { reader, instruments };
}

describe('StatsInstruments with the OpenTelemetry SDK and an in-memory reader', () => {
  it('observes a Cache and a Queue: counters as sums, gauges, attributes', async () => {
    const { reader, instruments } = setup();
    const cache = new Cache<string, number>({ max: 10 });
    const queue = new Queue({ concurrency: 1, maxQueued: 1 });
    instruments.register('cache', cache, { 'cache.name': 'users' });
    instruments.register('queue', queue, { 'queue.name': 'emails' });
    cache.set('a', 1);
    cache.get('a');
    cache.get('b');
    await queue.add(async () => {});

    const points = await collect(reader);
    const hits = find(points, 'scaling.cache.hits', { 'cache.name': 'users' });
    expect(hits).toMatchObject({ type: DataPointType.SUM, value: 1 });
    expect(find(points, 'scaling.cache.misses')?.value).toBe(1);
    expect(find(points, 'scaling.cache.hit_ratio')).toMatchObject({ type: DataPointType.GAUGE, value: 0.5 });
    expect(find(points, 'scaling.queue.completed', { 'queue.name': 'emails' })?.value).toBe(1);
    expect(find(points, 'scaling.queue.waiting_for_room')).toMatchObject({ type: DataPointType.GAUGE, value: 0 });

    cache.get('a');
    expect(find(await collect(reader), 'scaling.cache.hits')?.value).toBe(2);
  });

  it('calls stats() once per object per collection, and only on collection', async () => {
    const { reader, instruments } = setup();
    let calls = 0;
    instruments.register('thing', {
      stats: () => {
        calls++;
        return { a: 1, b: 2, size: 3 };
      },
    });
    calls = 0;
    await collect(reader);
    expect(calls).toBe(1);
  });

  it('…Ms in seconds with unit s, booleans 0/1, strings as an attribute, nested objects flattened with .', async () => {
    const { reader, instruments } = setup();
    instruments.register(
      'limiter',
      { stats: () => ({ delayMs: 250, storeDown: true, state: 'open', shed: { limit: 4 } }) },
      { limiter: 'api' },
    );
    const points = await collect(reader);
    expect(find(points, 'scaling.limiter.delay')).toMatchObject({ unit: 's', value: 0.25 });
    expect(find(points, 'scaling.limiter.store_down')?.value).toBe(1);
    expect(find(points, 'scaling.limiter.state')).toMatchObject({ attributes: { limiter: 'api', state: 'open' }, value: 1 });
    expect(find(points, 'scaling.limiter.shed.limit')).toMatchObject({ type: DataPointType.SUM, value: 4 });
  });

  it('members that appear later are observed at once; unregister stops observing', async () => {
    const { reader, instruments } = setup();
    const replicas: Record<string, number> = { r1: 1 };
    const stop = instruments.register('pool', { stats: () => ({ replicas: { ...replicas } }) });
    replicas.r2 = 5;
    expect(find(await collect(reader), 'scaling.pool.replicas', { replica: 'r2' })?.value).toBe(5);
    stop();
    stop();
    let calls = 0;
    instruments.register('other', {
      stats: () => {
        calls++;
        return { n: 1 };
      },
    });
    calls = 0;
    replicas.r1 = 9;
    // The SDK may keep reporting the last cumulative point of an unregistered series; it no longer moves.
    expect(find(await collect(reader), 'scaling.pool.replicas', { replica: 'r1' })?.value ?? 1).toBe(1);
    expect(calls).toBe(1);
  });

  it('rejects bad options and registrations with messages naming them', () => {
    const { instruments } = setup();
    expect(() => new StatsInstruments({} as never)).toThrow(/`meter`/);
    expect(() => new StatsInstruments({ meter: {} as never, exporter: 1 } as never)).toThrow(/exporter/);
    expect(() => instruments.register('bad name', { stats: () => ({}) })).toThrow(/`name`/);
    expect(() => instruments.register('x', {} as never)).toThrow(/stats\(\)/);
    expect(() => new StatsInstruments({ meter: {} as never })).toThrow(/`meter`/);
    expect(() => instruments.register('x', { stats: () => ({}) }, {}, { semanticConventions: { d: 'db.x' as never } })).toThrow(
      /semanticConventions\.d/,
    );
  });
});
