// Usertest defects (lb2, lb3): an endpoint whose latency cost is 0 took every pick whatever its load, and
// release() silently clamped a negative latencyMs to a 0 cost.
import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { PEAK_EWMA_COST_FLOOR_MS, PeakEwma } from '../src/index.js';
import { strategies } from './_strategies.js';

/** Seeds endpoint `id` of a fresh balancer with one latency sample. */
function seed(lb: PeakEwma, id: string, latencyMs: number, ids: readonly string[]): void {
  lb.pick({ exclude: new Set(ids.filter((x) => x !== id)) }).release({ ok: true, latencyMs });
}

function concurrentShare(latencies: Record<string, number>, picks: number, randomSeed = 1): Record<string, number> {
  const ids = Object.keys(latencies);
  // a seeded draw: the two-choices sample is random, so an unseeded run could (rarely) leave one endpoint 2 behind
  const lb = new PeakEwma({ endpoints: ids.map((id) => ({ id })), clock: new ManualClock(), random: seededRandom(randomSeed) });
  for (const id of ids) seed(lb, id, latencies[id] as number, ids);
  const counts: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  for (let i = 0; i < picks; i++) {
    const id = lb.pick().endpoint.id;
    counts[id] = (counts[id] as number) + 1;
  }
  return counts;
}

describe('peak EWMA with a zero latency cost', () => {
  it('an endpoint at latency 0 does not take all of 1,000 outstanding picks (usertest lb2/lb3)', () => {
    const c = concurrentShare({ a: 0, b: 10 }, 1000);
    expect(c.b).toBeGreaterThan(0);
    // at the floor, `a` takes at most about peerCost / floor times the outstanding requests of `b`
    expect(c.a as number).toBeLessThanOrEqual((10 / PEAK_EWMA_COST_FLOOR_MS) * ((c.b as number) + 1));
  });

  it('endpoints all at latency 0 share outstanding picks by load (least-loaded of two)', () => {
    const c = concurrentShare({ a: 0, b: 0, c: 0 }, 999);
    for (const id of ['a', 'b', 'c']) expect(Math.abs((c[id] as number) - 333)).toBeLessThanOrEqual(1);
  });

  it('an average decayed to 0 while idle still keeps load in play', () => {
    const clock = new ManualClock();
    const ids = ['a', 'b'];
    const lb = new PeakEwma({ endpoints: ids.map((id) => ({ id })), clock, decayMs: 10 });
    seed(lb, 'a', 5, ids);
    seed(lb, 'b', 5, ids);
    clock.advance(1_000_000); // both costs decay to 0
    const c = { a: 0, b: 0 };
    for (let i = 0; i < 100; i++) c[lb.pick().endpoint.id as 'a' | 'b']++;
    expect(c).toEqual({ a: 50, b: 50 });
  });
});

describe('release() with a bad latencyMs', () => {
  it('rejects a negative, NaN or infinite latencyMs with a RangeError naming it, after releasing the lease (usertest lb2)', () => {
    for (const bad of [-1e9, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const lb = new PeakEwma({ endpoints: [{ id: 'a' }], clock: new ManualClock() });
      const lease = lb.pick();
      expect(() => lease.release({ ok: true, latencyMs: bad })).toThrow(RangeError);
      expect(() => lease.release({ ok: true, latencyMs: bad })).not.toThrow(); // idempotent: already released
      expect(lb.stateOf('a')?.active).toBe(0);
      expect(lb.stateOf('a')?.latencyCostMs).toBe(0); // measured on the clock instead: 0 ms here
    }
    const lb = new PeakEwma({ endpoints: [{ id: 'a' }] });
    expect(() => lb.pick().release({ ok: true, latencyMs: -5 })).toThrow(/`latencyMs`.*-5/);
    expect(() => lb.pick().release({ ok: true, latencyMs: '5' as unknown as number })).toThrow(TypeError);
    expect(lb.stateOf('a')?.active).toBe(0);
  });

  it('never leaks an active counter in any strategy when latencyMs is bad', () => {
    for (const { name, make } of strategies) {
      const lb = make({ endpoints: [{ id: 'a' }, { id: 'b' }] });
      for (let i = 0; i < 10; i++) {
        const lease = lb.pick({ key: `k${i}` });
        expect(() => lease.release({ ok: i % 2 === 0, latencyMs: -i - 1 }), name).toThrow(RangeError);
      }
      expect(lb.stateOf('a')?.active, name).toBe(0);
      expect(lb.stateOf('b')?.active, name).toBe(0);
    }
  });
});
