import { type Lease, ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, type CircuitBreaker, circuitBreaker, IsolatedCircuitError } from '../src/index.js';

/** The configuration a run uses (drawn by fast-check). */
interface Config {
  size: number;
  minimumThroughput: number;
  failureRatio: number;
  slowCallMs: number;
  slowCallRatio: number;
  calls: number;
  successRatio: number;
}

const BREAK = 100;
const MAX_BREAK = 400;
const TRIAL_TIMEOUT = 150;

type State = 'closed' | 'open' | 'half-open' | 'isolated';

/**
 * The reference state machine: plain arrays, events processed in time order by `advance`, no timers. It is the
 * specification written a second time, as simply as possible.
 */
class Model {
  now = 0;
  state: State = 'closed';
  epoch = 0;
  openUntil = 0;
  openings = 0;
  window: Array<{ fail: boolean; slow: boolean }> = [];
  trials: Array<{ state: 'free' | 'pending' | 'done'; due: number; seq: number }> = [];
  seq = 0;
  succ = 0;
  fail = 0;
  transitions: string[] = [];
  constructor(readonly c: Config) {}

  get needed(): number {
    return Math.max(1, Math.ceil(this.c.successRatio * this.c.calls - 1e-9));
  }

  go(to: State): void {
    this.transitions.push(to);
    this.state = to;
    this.epoch++;
    if (to === 'closed') {
      this.window = [];
      this.openings = 0;
    }
    if (to === 'half-open') {
      this.trials = Array.from({ length: this.c.calls }, () => ({ state: 'free' as const, due: 0, seq: 0 }));
      this.succ = 0;
      this.fail = 0;
    }
  }

  open(): void {
    this.openings++;
    this.go('open');
    this.openUntil = this.now + Math.min(MAX_BREAK, BREAK * 2 ** (this.openings - 1));
  }

  /** → { epoch, slot } or the error it must throw. */
  acquire(): { epoch: number; slot: number } | { error: 'open' | 'half-open' | 'isolated' } {
    if (this.state === 'closed') return { epoch: this.epoch, slot: -1 };
    if (this.state === 'isolated') return { error: 'isolated' };
    if (this.state === 'open') return { error: 'open' };
    const s = this.trials.findIndex((t) => t.state === 'free');
    if (s < 0) return { error: 'half-open' };
    this.trials[s] = { state: 'pending', due: this.now + TRIAL_TIMEOUT, seq: this.seq++ };
    return { epoch: this.epoch, slot: s };
  }

  release(p: { epoch: number; slot: number }, ok: boolean | undefined, latency: number): void {
    if (p.epoch !== this.epoch) return;
    const trial = p.slot >= 0 ? this.trials[p.slot] : undefined;
    if (ok === undefined) {
      if (trial?.state === 'pending') trial.state = 'free';
      return;
    }
    const slow = latency >= this.c.slowCallMs;
    if (this.state === 'closed') {
      this.window.push({ fail: !ok, slow });
      if (this.window.length > this.c.size) this.window.shift();
      const n = this.window.length;
      if (n < this.c.minimumThroughput) return;
      const f = this.window.filter((w) => w.fail).length;
      const sl = this.window.filter((w) => w.slow).length;
      if (f >= this.c.failureRatio * n || sl >= this.c.slowCallRatio * n) this.open();
    } else if (this.state === 'half-open' && trial?.state === 'pending') {
      trial.state = 'done';
      if (ok && !slow) this.succ++;
      else this.fail++;
      this.judge();
    }
  }

  judge(): void {
    if (this.succ >= this.needed) this.go('closed');
    else if (this.fail > this.c.calls - this.needed) this.open();
  }

  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      let due = Number.POSITIVE_INFINITY;
      let what: number | 'break' | undefined;
      if (this.state === 'open') {
        due = this.openUntil;
        what = 'break';
      } else if (this.state === 'half-open') {
        let best: { due: number; seq: number } | undefined;
        this.trials.forEach((t, i) => {
          if (t.state === 'pending' && (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq))) {
            best = t;
            what = i;
          }
        });
        if (best !== undefined) due = (best as { due: number }).due;
      }
      if (what === undefined || due > target) break;
      this.now = due;
      if (what === 'break') this.go('half-open');
      else {
        (this.trials[what] as { state: string }).state = 'done';
        this.fail++;
        this.judge();
      }
    }
    this.now = target;
  }
}

interface Real {
  clock: ManualClock;
  breaker: CircuitBreaker;
  transitions: string[];
  permits: Array<{ lease: Lease; model: { epoch: number; slot: number } }>;
}

type Cmd = fc.Command<Model, Real>;

function compare(m: Model, r: Real): void {
  expect(r.breaker.state).toBe(m.state);
  expect(r.transitions).toEqual(m.transitions);
}

class Acquire implements Cmd {
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const want = m.acquire();
    let got: Lease | unknown;
    try {
      got = r.breaker.acquire();
    } catch (e) {
      got = e;
    }
    if ('error' in want) {
      if (want.error === 'isolated') expect(got).toBeInstanceOf(IsolatedCircuitError);
      else {
        expect(got).toBeInstanceOf(BrokenCircuitError);
        expect((got as BrokenCircuitError).state).toBe(want.error);
        if (want.error === 'open') expect((got as BrokenCircuitError).retryAfterMs).toBe(m.openUntil - m.now);
      }
    } else {
      expect(got).not.toBeInstanceOf(Error);
      r.permits.push({ lease: got as Lease, model: want });
    }
    compare(m, r);
  }
  toString(): string {
    return 'acquire';
  }
}

/** Several acquisitions in a row (a burst of concurrent calls). */
class AcquireMany implements Cmd {
  constructor(readonly n: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    for (let k = 0; k < this.n; k++) new Acquire().run(m, r);
  }
  toString(): string {
    return `acquire×${this.n}`;
  }
}

class Release implements Cmd {
  constructor(
    readonly pick: number,
    readonly ok: boolean | undefined,
    readonly latency: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    if (r.permits.length === 0) return;
    const [p] = r.permits.splice(this.pick % r.permits.length, 1);
    if (p === undefined) return;
    m.release(p.model, this.ok, this.latency);
    p.lease.release(this.ok === undefined ? {} : { ok: this.ok, latencyMs: this.latency });
    compare(m, r);
  }
  toString(): string {
    return `release(#${this.pick}, ${this.ok === undefined ? 'no outcome' : this.ok ? 'ok' : 'fail'}, ${this.latency} ms)`;
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    m.advance(this.ms);
    r.clock.advance(this.ms);
    compare(m, r);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

class Manual implements Cmd {
  constructor(readonly op: 'isolate' | 'reset') {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    if (this.op === 'isolate') m.go('isolated');
    else m.go('closed');
    r.breaker[this.op]();
    compare(m, r);
  }
  toString(): string {
    return this.op;
  }
}

const configArb: fc.Arbitrary<Config> = fc
  .record({
    size: fc.integer({ min: 1, max: 6 }),
    minFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    failureRatio: fc.constantFrom(0.25, 0.5, 1),
    slowCallMs: fc.constantFrom(Number.POSITIVE_INFINITY, 50),
    slowCallRatio: fc.constantFrom(0.5, 1),
    calls: fc.integer({ min: 1, max: 3 }),
    successRatio: fc.constantFrom(0.5, 1),
  })
  .map(({ minFraction, ...c }) => ({ ...c, minimumThroughput: Math.max(1, Math.ceil(minFraction * c.size)) }));

const releaseArb = fc
  .tuple(fc.nat(), fc.constantFrom(true, false, false, undefined), fc.constantFrom(1, 10, 60))
  .map(([p, ok, l]) => new Release(p, ok, l));
const acquireArb = fc.constant(new Acquire());
const commandsArb = fc.commands(
  [
    acquireArb,
    acquireArb,
    fc.integer({ min: 2, max: 5 }).map((n) => new AcquireMany(n)),
    releaseArb,
    releaseArb,
    releaseArb,
    fc.constantFrom(1, 50, 99, 100, 150, 200, 400).map((ms) => new Advance(ms)),
    fc.constantFrom(1, 50, 99, 100, 150, 200, 400).map((ms) => new Advance(ms)),
    fc.constantFrom<'isolate' | 'reset'>('isolate', 'reset', 'reset').map((op) => new Manual(op)),
  ],
  { maxCommands: 80 },
);

type Factory = (clock: ManualClock, c: Config) => CircuitBreaker;

const realFactory: Factory = (clock, c) =>
  circuitBreaker({
    clock,
    window: { type: 'count', size: c.size },
    minimumThroughput: c.minimumThroughput,
    failureRatio: c.failureRatio,
    slowCallMs: c.slowCallMs,
    slowCallRatio: c.slowCallRatio,
    breakDurationMs: BREAK,
    breakBackoffFactor: 2,
    maxBreakDurationMs: MAX_BREAK,
    halfOpen: { calls: c.calls, successRatio: c.successRatio, trialTimeoutMs: TRIAL_TIMEOUT },
  });

/** A deliberately broken breaker: half-open, it lets one call more than `halfOpen.calls` through. */
const overAdmitting: Factory = (clock, c) => {
  const inner = realFactory(clock, c);
  let extra = true;
  inner.on('breaker-state', () => {
    extra = true;
  });
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'acquire') {
        return () => {
          try {
            return target.acquire();
          } catch (e) {
            if (e instanceof BrokenCircuitError && e.state === 'half-open' && extra) {
              extra = false;
              return { release() {} };
            }
            throw e;
          }
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
};

/** Another broken breaker: `state` only moves on calls (the lazy-state bug), not with the clock. */
const lazyState: Factory = (clock, c) => {
  const inner = realFactory(clock, c);
  let seen = inner.state;
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'state') return seen;
      if (key === 'acquire' || key === 'isolate' || key === 'reset') {
        return () => {
          try {
            return (target[key] as () => unknown)();
          } finally {
            seen = target.state;
          }
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
};

function property(factory: Factory) {
  return fc.property(configArb, commandsArb, (c, cmds) => {
    const clock = new ManualClock();
    const breaker = factory(clock, c);
    const transitions: string[] = [];
    breaker.on('breaker-state', (e) => transitions.push(e.to));
    fc.modelRun(() => ({ model: new Model(c), real: { clock, breaker, transitions, permits: [] } }), cmds);
    breaker.dispose();
  });
}

describe('circuit breaker against a reference state machine (fc.commands, ManualClock)', () => {
  it('matches the model: states, transitions, admissions, errors and retryAfterMs', () => {
    fc.assert(property(realFactory), { numRuns: 300 });
  });

  it('catches a breaker that admits one trial too many in half-open', () => {
    const out = fc.check(property(overAdmitting), { numRuns: 1_000, endOnFailure: true });
    expect(out.failed).toBe(true);
  });

  it('catches a breaker whose state only changes on calls (lazy state)', () => {
    const out = fc.check(property(lazyState), { numRuns: 1_000, endOnFailure: true });
    expect(out.failed).toBe(true);
  });
});
