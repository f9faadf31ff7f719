import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutlierDetector, type OutlierDetectorOptions } from '../src/index.js';

class FakeBalancer {
  readonly down = new Set<string>();
  setHealthy(id: string, healthy: boolean): void {
    if (healthy) this.down.delete(id);
    else this.down.add(id);
  }
}

/** Broken on purpose: lets one more endpoint out than the cap allows. */
class OverEjectingDetector extends OutlierDetector {
  override get maxEjected(): number {
    return super.maxEjected + 1;
  }
}

interface Model {
  n: number;
  percent: number;
  maxEjectionTimeMs: number;
  intervalMs: number;
  /** Probes admitted and not yet answered. */
  probes: Set<string>;
}
interface Real {
  clock: ManualClock;
  target: FakeBalancer;
  detector: OutlierDetector;
}

const cap = (m: Model) => Math.max(1, Math.floor((m.n * m.percent) / 100));

function invariants(m: Model, r: Real): void {
  // never more endpoints out than the cap (ejected or probing count against it)
  expect(r.target.down.size).toBeLessThanOrEqual(cap(m));
  expect(r.detector.ejectedCount).toBeLessThanOrEqual(cap(m));
  // the target is told exactly the detector's view: down ⇔ ejected or probe in flight
  for (let i = 0; i < m.n; i++) {
    const id = `e${i}`;
    const state = r.detector.stateOf(id);
    const down = r.target.down.has(id);
    if (state === 'healthy') expect(down).toBe(false);
    if (state === 'ejected') expect(down).toBe(true);
    if (state === 'probing') expect(down).toBe(m.probes.has(id));
  }
}

type Cmd = fc.Command<Model, Real>;

class Record implements Cmd {
  constructor(
    readonly i: number,
    readonly ok: boolean,
    readonly times: number,
  ) {}
  check(m: Model): boolean {
    return this.i < m.n;
  }
  run(m: Model, r: Real): void {
    const id = `e${this.i}`;
    for (let k = 0; k < this.times; k++) {
      r.detector.record(id, { ok: this.ok });
      m.probes.delete(id);
    }
    invariants(m, r);
  }
  toString(): string {
    return `record(e${this.i}, ${this.ok ? 'ok' : 'fail'} ×${this.times})`;
  }
}

/** A burst of failures across every endpoint (a bad deploy, a network blip): pushes against the cap. */
class FailEverywhere implements Cmd {
  constructor(readonly times: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    for (let i = 0; i < m.n; i++) {
      for (let k = 0; k < this.times; k++) {
        r.detector.record(`e${i}`, { ok: false });
        m.probes.delete(`e${i}`);
      }
      invariants(m, r);
    }
  }
  toString(): string {
    return `failEverywhere(×${this.times})`;
  }
}

class Admit implements Cmd {
  constructor(readonly i: number) {}
  check(m: Model): boolean {
    return this.i < m.n;
  }
  run(m: Model, r: Real): void {
    const id = `e${this.i}`;
    const before = r.detector.stateOf(id);
    const wasProbe = m.probes.has(id);
    const admitted = r.detector.admit(id);
    if (before === 'healthy') expect(admitted).toBe(true);
    if (before === 'ejected') expect(admitted).toBe(false);
    if (before === 'probing') {
      // exactly one probe per probation
      expect(admitted).toBe(!wasProbe);
      if (admitted) m.probes.add(id);
    }
    invariants(m, r);
  }
  toString(): string {
    return `admit(e${this.i})`;
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms);
    invariants(m, r);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

const commands = fc.commands(
  [
    fc.tuple(fc.nat({ max: 11 }), fc.boolean(), fc.integer({ min: 1, max: 60 })).map(([i, ok, t]) => new Record(i, ok, t)),
    fc.nat({ max: 11 }).map((i) => new Admit(i)),
    fc.integer({ min: 1, max: 8 }).map((t) => new FailEverywhere(t)),
    fc.integer({ min: 1, max: 120_000 }).map((ms) => new Advance(ms)),
  ],
  { maxCommands: 80 },
);

const configs = fc.record({
  n: fc.integer({ min: 1, max: 12 }),
  percent: fc.integer({ min: 0, max: 100 }),
  consecutiveFailures: fc.integer({ min: 1, max: 6 }),
  baseEjectionTimeMs: fc.integer({ min: 1_000, max: 60_000 }),
  extraMaxMs: fc.integer({ min: 0, max: 240_000 }),
  intervalMs: fc.integer({ min: 1_000, max: 20_000 }),
});

function check(Detector: typeof OutlierDetector): void {
  fc.assert(
    fc.property(configs, commands, (c, cmds) => {
      const clock = new ManualClock();
      const target = new FakeBalancer();
      const options: OutlierDetectorOptions = {
        target,
        clock,
        endpoints: Array.from({ length: c.n }, (_, i) => `e${i}`),
        consecutiveFailures: c.consecutiveFailures,
        baseEjectionTimeMs: c.baseEjectionTimeMs,
        maxEjectionTimeMs: c.baseEjectionTimeMs + c.extraMaxMs,
        maxEjectionPercent: c.percent,
        intervalMs: c.intervalMs,
        probeTimeoutMs: 1e9,
        successRate: { minimumHosts: 2, requestVolume: 20 },
        failurePercentage: { minimumHosts: 2, requestVolume: 20, threshold: 50 },
      };
      const real: Real = { clock, target, detector: new Detector(options) };
      const model: Model = {
        n: c.n,
        percent: c.percent,
        maxEjectionTimeMs: c.baseEjectionTimeMs + c.extraMaxMs,
        intervalMs: c.intervalMs,
        probes: new Set(),
      };
      fc.modelRun(() => ({ model, real }), cmds);
      // every ejection ends: once the probes in flight are answered and no traffic follows, everything
      // is back after one analysis interval plus the longest ejection time
      for (const id of model.probes) real.detector.record(id, { ok: true });
      clock.advance(model.intervalMs + model.maxEjectionTimeMs);
      for (let i = 0; i < c.n; i++) expect(real.detector.stateOf(`e${i}`)).not.toBe('ejected');
      expect(target.down.size).toBe(0);
      real.detector.stop();
      expect(target.down.size).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    }),
  );
}

describe('OutlierDetector properties (fc.commands)', () => {
  it('never ejects more than the cap, tells the target exactly its state, admits one probe per probation, and every ejection ends', () => {
    check(OutlierDetector);
  });

  it('the model-based test catches a broken variant that ejects one more than the cap', () => {
    expect(() => check(OverEjectingDetector)).toThrow();
  });
});
