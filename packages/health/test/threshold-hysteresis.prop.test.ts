import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hysteresis } from '../src/_hysteresis.js';

/** The model: healthy flips only when the last `fall` (or `rise`) results since the previous flip all disagree with it. */
class Model {
  healthy: boolean;
  sinceFlip: boolean[] = [];
  constructor(
    readonly rise: number,
    readonly fall: number,
    healthy: boolean,
  ) {
    this.healthy = healthy;
  }
  observe(ok: boolean): boolean {
    this.sinceFlip.push(ok);
    const need = this.healthy ? this.fall : this.rise;
    const tail = this.sinceFlip.slice(-need);
    if (tail.length === need && tail.every((r) => r !== this.healthy)) {
      this.healthy = !this.healthy;
      this.sinceFlip = [];
      return true;
    }
    return false;
  }
}

interface Real {
  healthy: boolean;
  observe(ok: boolean): boolean;
}

/** Broken on purpose: forgets to reset the failure streak on a success (so alternating results flap). */
class BrokenHysteresis extends Hysteresis {
  override observe(ok: boolean): boolean {
    if (this.healthy && ok) return false;
    return super.observe(ok);
  }
}

class Observe implements fc.Command<Model, Real> {
  constructor(readonly ok: boolean) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const flippedModel = model.observe(this.ok);
    const flippedReal = real.observe(this.ok);
    expect(flippedReal).toBe(flippedModel);
    expect(real.healthy).toBe(model.healthy);
  }
  toString(): string {
    return this.ok ? 'S' : 'F';
  }
}

const commands = fc.commands([fc.boolean().map((ok) => new Observe(ok))], { maxCommands: 60 });
const params = fc.record({ rise: fc.integer({ min: 1, max: 5 }), fall: fc.integer({ min: 1, max: 5 }), healthy: fc.boolean() });

function runModel(make: (rise: number, fall: number, healthy: boolean) => Real): void {
  fc.assert(
    fc.property(params, commands, ({ rise, fall, healthy }, cmds) => {
      fc.modelRun(() => ({ model: new Model(rise, fall, healthy), real: make(rise, fall, healthy) }), cmds);
    }),
  );
}

describe('rise/fall hysteresis state machine', () => {
  it('matches the model for any result sequence (fc.commands)', () => {
    runModel((rise, fall, healthy) => new Hysteresis(rise, fall, healthy));
  });

  it('the model-based test catches a broken variant that does not reset the failure streak', () => {
    expect(() => runModel((rise, fall, healthy) => new BrokenHysteresis(rise, fall, healthy))).toThrow();
  });

  it('never flips before the threshold: a flip needs exactly `fall` (or `rise`) consecutive opposite results', () => {
    fc.assert(
      fc.property(params, fc.array(fc.boolean(), { maxLength: 100 }), ({ rise, fall, healthy }, results) => {
        const h = new Hysteresis(rise, fall, healthy);
        let run = 0;
        let last: boolean | undefined;
        for (const ok of results) {
          run = ok === last ? run + 1 : 1;
          last = ok;
          const before = h.healthy;
          const flipped = h.observe(ok);
          expect(flipped).toBe(before !== h.healthy);
          if (flipped) {
            expect(ok).toBe(h.healthy); // flips only towards the result
            expect(run).toBeGreaterThanOrEqual(h.healthy ? rise : fall);
          }
        }
      }),
    );
  });

  it('hysteresis: runs shorter than both thresholds never change the state', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 30 }),
        (rise, fall, healthy, runs) => {
          const h = new Hysteresis(rise, fall, healthy);
          let ok = !healthy;
          for (const len of runs) {
            const n = Math.min(len, (ok ? rise : fall) - 1);
            for (let i = 0; i < n; i++) h.observe(ok);
            ok = !ok;
          }
          expect(h.healthy).toBe(healthy);
        },
      ),
    );
  });
});
