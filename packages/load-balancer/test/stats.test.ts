// Issue 19 (monitoring): stats() follows the convention of @scaling/core — a fresh snapshot of counters and
// gauges, a per-endpoint breakdown under `endpoints`, opt-in `requestDuration` histograms — and its
// counters add up whatever happens (picks, releases of every kind, timeouts, removals, re-adds, panics).

import { isScalingError, ManualClock, seededRandom } from '@scaling/core';
import { GAUGE_STATS_FIELDS, isStatsHistogram, MEMBER_STATS_COLLECTIONS } from '@scaling/core/internal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BalancerStats, Lease } from '../src/index.js';
import { PeakEwma, RoundRobin } from '../src/index.js';
import { strategies } from './_strategies.js';

const COUNTERS = ['picks', 'releases', 'successes', 'failures', 'noOutcome', 'timeouts', 'rejected', 'panics'] as const;
const ENDPOINT_COUNTERS = ['picks', 'successes', 'failures', 'noOutcome', 'timeouts'] as const;

/** The sums every snapshot must satisfy, overall and per endpoint. */
function expectConsistent(s: BalancerStats): void {
  expect(s.picks).toBe(s.successes + s.failures + s.noOutcome + s.active);
  expect(s.releases + s.timeouts).toBe(s.successes + s.failures + s.noOutcome);
  expect(s.timeouts).toBeLessThanOrEqual(s.failures);
  expect(Object.keys(s.endpoints).length).toBe(s.size);
  let healthy = 0;
  for (const e of Object.values(s.endpoints)) {
    expect(e.picks).toBe(e.successes + e.failures + e.noOutcome + e.active);
    expect(e.timeouts).toBeLessThanOrEqual(e.failures);
    if (e.healthy) healthy++;
    // Current endpoints are part of the totals (removed ones make up the rest).
    for (const k of ENDPOINT_COUNTERS) expect(e[k]).toBeLessThanOrEqual(s[k]);
  }
  expect(healthy).toBe(s.healthy);
}

type Op =
  | { kind: 'pick'; exclude: number }
  | { kind: 'release'; which: number; how: 'ok' | 'fail' | 'none' | 'latency' }
  | { kind: 'add' | 'remove' | 'down' | 'up'; id: number }
  | { kind: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('pick' as const), exclude: fc.integer({ min: -1, max: 4 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      which: fc.nat(),
      how: fc.constantFrom('ok' as const, 'fail' as const, 'none' as const, 'latency' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('add' as const, 'remove' as const, 'down' as const, 'up' as const),
      id: fc.integer({ min: 0, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 800 }) }) },
);

describe('stats()', () => {
  it.each(strategies.map((s) => [s.name, s.make] as const))(
    '%s: counters add up, match what happened, and never go down (model)',
    (_name, make) => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), fc.integer(), (ops, seed) => {
          const clock = new ManualClock();
          const lb = make({
            endpoints: [{ id: 'e0' }, { id: 'e1', weight: 2 }, { id: 'e2' }],
            clock,
            random: seededRandom(seed),
            leaseTimeoutMs: 1_000,
            slowStart: { windowMs: 500 },
          });
          const open: Lease[] = [];
          const model = { picks: 0, rejected: 0 };
          let last = lb.stats();
          for (const o of ops) {
            if (o.kind === 'pick') {
              try {
                open.push(lb.pick({ key: `k${model.picks}`, exclude: o.exclude < 0 ? undefined : new Set([`e${o.exclude}`]) }));
                model.picks++;
              } catch (e) {
                if (!isScalingError(e)) throw e;
                model.rejected++;
              }
            } else if (o.kind === 'release') {
              if (open.length === 0) continue;
              const lease = open.splice(o.which % open.length, 1)[0] as Lease;
              const before = lb.stats();
              if (o.how === 'ok') lease.release({ ok: true });
              else if (o.how === 'fail') lease.release({ ok: false });
              else if (o.how === 'latency') lease.release({ ok: true, latencyMs: 3 });
              else lease.release();
              const after = lb.stats();
              const moved = {
                successes: after.successes - before.successes,
                failures: after.failures - before.failures,
                noOutcome: after.noOutcome - before.noOutcome,
              };
              // One settled lease, of the kind released — or none when the timeout had reclaimed it.
              const which = o.how === 'fail' ? 'failures' : o.how === 'none' ? 'noOutcome' : 'successes';
              const total = moved.successes + moved.failures + moved.noOutcome;
              expect(total === 0 ? 0 : moved[which]).toBe(total);
              expect(total).toBeLessThanOrEqual(1);
              expect(after.releases - before.releases).toBe(total);
            } else if (o.kind === 'add') {
              if (!lb.endpoints.some((e) => e.id === `e${o.id}`)) lb.add({ id: `e${o.id}` });
            } else if (o.kind === 'remove') lb.remove(`e${o.id}`);
            else if (o.kind === 'down' || o.kind === 'up') lb.setHealthy(`e${o.id}`, o.kind === 'up');
            else if (o.kind === 'advance') clock.advance(o.ms);
            const s = lb.stats();
            expectConsistent(s);
            for (const k of COUNTERS) expect(s[k]).toBeGreaterThanOrEqual(last[k]);
            last = s;
          }
          expect(last.picks).toBe(model.picks);
          expect(last.rejected).toBe(model.rejected);
          for (const l of open) l.release();
          const end = lb.stats();
          expect(end.active).toBe(0);
          expect(end.releases + end.timeouts).toBe(end.picks);
          lb.close();
        }),
        { numRuns: 40 },
      );
    },
  );

  it('has the convention shape: numbers and booleans, gauges in GAUGE_STATS_FIELDS, endpoints a member collection', () => {
    const lb = new PeakEwma({ endpoints: [{ id: 'a', weight: 2 }, { id: 'b' }], clock: new ManualClock() });
    lb.pick().release({ ok: false, latencyMs: 7 });
    const s = lb.stats();
    expect(Object.keys(s).sort()).toEqual([...COUNTERS, 'size', 'healthy', 'active', 'ramping', 'panic', 'endpoints'].sort());
    for (const g of ['size', 'healthy', 'active', 'ramping']) expect(GAUGE_STATS_FIELDS).toContain(g);
    expect(typeof s.panic).toBe('boolean');
    expect(MEMBER_STATS_COLLECTIONS).toHaveProperty('endpoints');
    const a = s.endpoints.a;
    expect(a).toBeDefined();
    for (const g of ['active', 'weight', 'effectiveWeight', 'latencyCostMs']) expect(GAUGE_STATS_FIELDS).toContain(g);
    expect(typeof a?.healthy).toBe('boolean');
    expect(typeof a?.ramping).toBe('boolean');
    expect(a?.weight).toBe(2);
    expect(s.failures).toBe(1);
    expect(s.endpoints.a?.latencyCostMs ?? s.endpoints.b?.latencyCostMs).toBeGreaterThan(0);
    expect(new RoundRobin({ endpoints: [{ id: 'a' }] }).stats().endpoints.a).not.toHaveProperty('latencyCostMs');
    // A snapshot: a fresh object each time, and reading it changes nothing.
    expect(lb.stats()).toEqual(s);
    expect(lb.stats()).not.toBe(s);
  });

  it('counts rejected picks and panic episodes', () => {
    const lb = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    expect(() => lb.pick({ exclude: new Set(['a', 'b', 'c']) })).toThrow();
    lb.setHealthy('a', false);
    lb.setHealthy('b', false); // 1 of 3 healthy: panic
    lb.setHealthy('b', true);
    lb.setHealthy('b', false); // panic again
    const s = lb.stats();
    expect(s.rejected).toBe(1);
    expect(s.panics).toBe(2);
    expect(s.panic).toBe(true);
    expect(s.healthy).toBe(1);
  });

  it('keeps removed endpoints in the totals, and counts their late releases', () => {
    const lb = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }] });
    const la = lb.pick();
    lb.pick().release({ ok: true });
    lb.remove('a');
    expect(lb.stats()).toMatchObject({ picks: 2, active: 1, successes: 1 });
    la.release({ ok: false });
    const s = lb.stats();
    expect(s).toMatchObject({ picks: 2, active: 0, successes: 1, failures: 1, releases: 2 });
    expect(Object.keys(s.endpoints)).toEqual(['b']);
    lb.add({ id: 'a' }); // a new instance starts from 0
    expect(lb.stats().endpoints.a).toMatchObject({ picks: 0, successes: 0, failures: 0 });
  });

  it('records requestDuration histograms (ms) only with latencyHistogram: true', () => {
    const clock = new ManualClock();
    expect(new RoundRobin({ endpoints: [{ id: 'a' }] }).stats()).not.toHaveProperty('requestDuration');
    const lb = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }], clock, latencyHistogram: true });
    lb.pick().release({ ok: true, latencyMs: 10 }); // a
    const l = lb.pick(); // b
    clock.advance(30);
    l.release({ ok: false }); // measured on the clock: 30 ms
    lb.pick().release(); // no outcome: not recorded
    const removed = lb.pick(); // b
    lb.remove('b');
    removed.release({ ok: true, latencyMs: 50 });
    const s = lb.stats();
    expect(isStatsHistogram(s.requestDuration)).toBe(true);
    expect(s.requestDuration?.count).toBe(3);
    expect(s.requestDuration?.max).toBeCloseTo(50, 0);
    expect(s.endpoints.a?.requestDuration?.count).toBe(1);
    expect(s.endpoints.a?.requestDuration?.quantile(0.5)).toBeCloseTo(10, 0);
    // A copy: recording more does not change an earlier snapshot.
    lb.pick().release({ ok: true, latencyMs: 1 });
    expect(s.endpoints.a?.requestDuration?.count).toBe(1);
    expect(() => new RoundRobin({ latencyHistogram: 'yes' as unknown as boolean })).toThrow(/latencyHistogram/);
  });
});
