import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { PeakEwma } from '../src/index.js';

describe('peak EWMA cost', () => {
  it('jumps to a peak at once and decays lower samples in with weight 1 − e^(−Δt/τ)', () => {
    const clock = new ManualClock();
    const lb = new PeakEwma({ endpoints: [{ id: 'a' }], clock, decayMs: 1_000 });
    const request = (latencyMs: number) => {
      const l = lb.pick();
      clock.advance(latencyMs);
      l.release({ ok: true, latencyMs });
    };
    request(100);
    expect(lb.stateOf('a')?.latencyCostMs).toBe(100);
    request(400);
    expect(lb.stateOf('a')?.latencyCostMs).toBe(400);
    clock.advance(900);
    request(100); // finishes 1,000 ms after the previous sample
    const w = Math.exp(-1);
    expect(lb.stateOf('a')?.latencyCostMs).toBeCloseTo(400 * w + 100 * (1 - w), 9);
  });

  it('charges a failure at least failurePenaltyMs', () => {
    const lb = new PeakEwma({ endpoints: [{ id: 'a' }], clock: new ManualClock(), failurePenaltyMs: 250 });
    lb.pick().release({ ok: false, latencyMs: 1 });
    expect(lb.stateOf('a')?.latencyCostMs).toBe(250);
  });

  it('measures latency on its clock when release({ ok }) gives none', () => {
    const clock = new ManualClock();
    const lb = new PeakEwma({ endpoints: [{ id: 'a' }], clock });
    const l = lb.pick();
    clock.advance(37);
    l.release({ ok: true });
    expect(lb.stateOf('a')?.latencyCostMs).toBe(37);
  });

  it('ignores a release without an outcome (issue 13 point 4: no outcome is not a success)', () => {
    const clock = new ManualClock();
    const lb = new PeakEwma({ endpoints: [{ id: 'a' }], clock });
    lb.pick().release({ ok: true, latencyMs: 50 });
    for (const dropped of [undefined, {}]) {
      const l = lb.pick();
      clock.advance(1);
      l.release(dropped);
      expect(lb.stateOf('a')?.latencyCostMs).toBe(50);
      expect(lb.activeRequests('a')).toBe(0);
    }
  });

  it('prefers the faster of two endpoints, and an idle slow one again once its cost has decayed', () => {
    const clock = new ManualClock();
    const lb = new PeakEwma({ endpoints: [{ id: 'fast' }, { id: 'slow' }], clock, random: seededRandom(1), decayMs: 1_000 });
    const a = lb.pick({ exclude: new Set(['slow']) });
    const b = lb.pick({ exclude: new Set(['fast']) });
    a.release({ ok: true, latencyMs: 10 });
    b.release({ ok: true, latencyMs: 1_000 });
    for (let k = 0; k < 100; k++) {
      const l = lb.pick();
      expect(l.endpoint.id).toBe('fast');
      l.release({ ok: true, latencyMs: 10 });
    }
    clock.advance(10_000);
    const f = lb.pick({ exclude: new Set(['slow']) });
    clock.advance(10);
    f.release({ ok: true, latencyMs: 10 }); // fast: a fresh 10 ms; slow: 1000 · e^−10 ≈ 0.05 ms by now
    expect(lb.pick().endpoint.id).toBe('slow');
  });
});
