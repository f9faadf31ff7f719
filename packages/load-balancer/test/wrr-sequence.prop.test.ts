import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WeightedRoundRobin } from '../src/index.js';

const weightsArb = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 12 });

function run(scheduler: 'smooth' | 'edf', weights: number[], cycles: number): number[] {
  const lb = new WeightedRoundRobin({ scheduler, endpoints: weights.map((weight, i) => ({ id: String(i), weight })) });
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: total * cycles }, () => {
    const l = lb.pick();
    l.release();
    return Number(l.endpoint.id);
  });
}

/** Largest |count_i(t) − t·w_i/W| over every prefix t and endpoint i. */
function worstDeviation(weights: number[], seq: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = new Array<number>(weights.length).fill(0);
  let worst = 0;
  seq.forEach((i, t) => {
    counts[i] = (counts[i] ?? 0) + 1;
    for (let j = 0; j < weights.length; j++) {
      worst = Math.max(worst, Math.abs((counts[j] as number) - ((t + 1) * (weights[j] as number)) / total));
    }
  });
  return worst;
}

describe.each(['smooth', 'edf'] as const)('weighted round-robin (%s) sequence guarantees', (scheduler) => {
  it('gives every endpoint exactly its weight in each cycle of Σweights picks', () => {
    fc.assert(
      fc.property(weightsArb, (weights) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const seq = run(scheduler, weights, 3);
        for (let c = 0; c < 3; c++) {
          const counts = new Array<number>(weights.length).fill(0);
          for (const i of seq.slice(c * total, (c + 1) * total)) counts[i] = (counts[i] ?? 0) + 1;
          expect(counts).toEqual(weights);
        }
      }),
    );
  });

  it('keeps every prefix within 1.5 picks of the exact proportional share (smooth interleaving)', () => {
    fc.assert(
      fc.property(weightsArb, (weights) => {
        expect(worstDeviation(weights, run(scheduler, weights, 2))).toBeLessThan(1.5);
      }),
    );
  });

  it('gives the same sequence whatever the pool size threshold picks (auto = this scheduler)', () => {
    fc.assert(
      fc.property(weightsArb, (weights) => {
        const auto = new WeightedRoundRobin({
          edfThreshold: scheduler === 'edf' ? 0 : 1_000,
          endpoints: weights.map((weight, i) => ({ id: String(i), weight })),
        });
        const seq = run(scheduler, weights, 1);
        for (const expected of seq) {
          const l = auto.pick();
          l.release();
          expect(Number(l.endpoint.id)).toBe(expected);
        }
      }),
    );
  });
});

describe('weighted round-robin: a prefix-proportional sequence is what the test detects', () => {
  it('rejects a naive "all of a, then all of b" schedule (the check can fail)', () => {
    expect(worstDeviation([10, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2])).toBeGreaterThanOrEqual(1.5);
  });
});
