import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/index.js';
import { forEachStatsSample, GAUGE_STATS_FIELDS, type StatsSample } from '../src/internal.js';

function samples(snapshot: object, gauges: readonly string[] = GAUGE_STATS_FIELDS): Omit<StatsSample, 'value'>[] {
  const out: Omit<StatsSample, 'value'>[] = [];
  forEachStatsSample(snapshot, new Set(gauges), ({ value: _value, ...s }) => out.push(s));
  return out;
}

describe('forEachStatsSample (the one reading of a stats() snapshot)', () => {
  it('classifies counters, gauges, booleans, states, …Ms, groups, member collections and histograms', () => {
    const h = new Histogram();
    h.record(3);
    const seen: StatsSample[] = [];
    forEachStatsSample(
      {
        hits: 4,
        size: 2,
        panic: false,
        state: 'open',
        delayMs: 250,
        shed: { limit: 1 },
        waitDuration: h,
        endpoints: { a: { requests: 3, active: 1, ejected: true, requestDuration: h }, b: { requests: 1 } },
        skipped: [1, 2],
        nan: Number.NaN,
        none: null,
      },
      new Set(GAUGE_STATS_FIELDS),
      (s) => seen.push(s),
    );
    const byName = Object.fromEntries(seen.map((s) => [`${s.parts.join('_')}${s.members.map(([l, id]) => `{${l}=${id}}`).join('')}`, s]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        'hits',
        'size',
        'panic',
        'state',
        'delay',
        'shed_limit',
        'wait_duration',
        'endpoint_requests{endpoint=a}',
        'endpoint_active{endpoint=a}',
        'endpoint_ejected{endpoint=a}',
        'endpoint_request_duration{endpoint=a}',
        'endpoint_requests{endpoint=b}',
      ].sort(),
    );
    expect(byName.hits).toMatchObject({ kind: 'counter', value: 4, seconds: false });
    expect(byName.size?.kind).toBe('gauge');
    expect(byName.panic).toMatchObject({ kind: 'gauge', value: 0 });
    expect(byName.state).toMatchObject({ kind: 'state', value: 'open', stateLabel: 'state' });
    expect(byName.delay).toMatchObject({ kind: 'gauge', seconds: true, value: 250 });
    expect(byName.shed_limit?.kind).toBe('counter');
    expect(byName.wait_duration).toMatchObject({ kind: 'histogram', seconds: true, key: 'waitDuration', field: 'waitDuration' });
    expect(byName['endpoint_request_duration{endpoint=a}']?.field).toBe('endpoints.*.requestDuration');
    expect(byName.shed_limit?.field).toBe('shed.limit');
    expect(byName['endpoint_active{endpoint=a}']?.kind).toBe('gauge');
    expect(byName['endpoint_ejected{endpoint=a}']).toMatchObject({ kind: 'gauge', value: 1 });
    expect(byName['endpoint_requests{endpoint=b}']).toMatchObject({ kind: 'counter', value: 1 });
  });

  it('extra gauges by relative or full dotted path', () => {
    const s = samples({ shed: { limit: 1 }, partitions: { p1: { inflight: 2, load: 3 } } }, ['shed.limit', 'load']);
    expect(s.map((x) => [x.parts.join('_'), x.kind])).toEqual([
      ['shed_limit', 'gauge'],
      ['partition_inflight', 'counter'],
      ['partition_load', 'gauge'],
    ]);
  });
});
