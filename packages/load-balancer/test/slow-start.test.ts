import { ManualClock, seededRandom } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeastConnections, WeightedRandom, WeightedRoundRobin } from '../src/index.js';

describe('slow start (Envoy: weight × max(minWeightPercent, (t / window)^(1 / aggression)))', () => {
  it('follows the formula for an endpoint added later, and initial endpoints start at full weight', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.25, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 9 }),
        (aggression, minWeightPercent, step) => {
          const clock = new ManualClock();
          const windowMs = 64_000;
          const lb = new WeightedRoundRobin({
            endpoints: [{ id: 'old', weight: 4 }],
            clock,
            slowStart: { windowMs, aggression, minWeightPercent },
          });
          lb.add({ id: 'new', weight: 4 });
          expect(lb.stateOf('old')?.effectiveWeight).toBe(4);
          // effective weights refresh at most every window / 64 ms: sample on that grid
          for (let t = 0; t < windowMs; t += step * (windowMs / 64)) {
            clock.set(t);
            lb.pick().release();
            const expected = 4 * Math.max(minWeightPercent / 100, (Math.max(t, 1) / windowMs) ** (1 / aggression));
            expect(lb.stateOf('new')?.effectiveWeight).toBeCloseTo(expected, 9);
          }
          clock.set(windowMs);
          lb.pick().release();
          expect(lb.stateOf('new')?.effectiveWeight).toBe(4);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('ramps an endpoint that turns healthy again, and shifts traffic to it gradually', () => {
    const clock = new ManualClock();
    const lb = new WeightedRandom({
      endpoints: [{ id: 'a' }, { id: 'b' }],
      clock,
      random: seededRandom(1),
      slowStart: { windowMs: 10_000 },
    });
    lb.setHealthy('b', false);
    lb.setHealthy('b', true);
    const share = () => {
      let b = 0;
      for (let k = 0; k < 4_000; k++) {
        const l = lb.pick();
        if (l.endpoint.id === 'b') b++;
        l.release();
      }
      return b / 4_000;
    };
    const early = share();
    clock.advance(5_000);
    const mid = share();
    clock.advance(5_000);
    const late = share();
    expect(early).toBeLessThan(0.15); // weight 0.1 vs 1
    expect(mid).toBeGreaterThan(early);
    expect(Math.abs(mid - 1 / 3)).toBeLessThan(0.04); // weight 0.5 vs 1
    expect(Math.abs(late - 0.5)).toBeLessThan(0.04);
  });

  it('weights least-connections by the ramped weight', () => {
    const clock = new ManualClock();
    const lb = new LeastConnections({ endpoints: [{ id: 'a' }], clock, slowStart: { windowMs: 1_000, minWeightPercent: 10 } });
    lb.add({ id: 'b' });
    const held = Array.from({ length: 22 }, () => lb.pick());
    // b counts 10× its requests while at 10 % weight: 2 of 22
    expect(lb.activeRequests('b')).toBe(2);
    for (const l of held) l.release();
  });

  it('rejects bad slow-start options with the option name', () => {
    expect(() => new WeightedRoundRobin({ slowStart: { windowMs: 0 } })).toThrow(/slowStart\.windowMs/);
    expect(() => new WeightedRoundRobin({ slowStart: { windowMs: 1, aggression: -1 } })).toThrow(/slowStart\.aggression/);
    expect(() => new WeightedRoundRobin({ slowStart: { windowMs: 1, minWeightPercent: 101 } })).toThrow(RangeError);
  });
});
