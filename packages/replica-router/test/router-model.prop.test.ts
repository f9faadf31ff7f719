// Model-based test: random sequences of samples, markDowns, writes, time steps and reads. Every read
// must land on a replica the model deems eligible (healthy, fresh sample, within both lag limits, caught
// up to the session), and fall back to the primary only when none is. A deliberately broken router
// (it forgets the session's position) must be caught.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ReadOptions,
  type ReplicaLease,
  ReplicaRouter,
  type ReplicaRouterStats,
  type ReplicaSample,
  type ReplicaSession,
} from '../src/index.js';

const IDS = ['r0', 'r1', 'r2'] as const;
const MAX_LAG_MS = 100;
const MAX_LAG_BYTES = 1_000;
const MAX_AGE = 500;

interface RouterLike {
  forRead(options?: ReadOptions): ReplicaLease<string | { id: string }>;
  report(id: string, s: ReplicaSample): void;
  markDown(id: string): void;
  recordWrite(session: ReplicaSession, position?: number): void;
  session(): ReplicaSession;
  stats(): ReplicaRouterStats;
}

interface Model {
  replicas: Map<string, { healthy: boolean; sample: ReplicaSample; at: number }>;
  now: number;
  token: number;
  /** Reads routed so far, to a replica and to the primary. */
  reads: { replica: number; primary: number };
}
interface Real {
  router: RouterLike;
  clock: ManualClock;
  session: ReplicaSession;
}

function eligible(m: Model, id: string, minPosition: number): boolean {
  const r = m.replicas.get(id);
  if (r === undefined || !r.healthy || m.now - r.at > MAX_AGE) return false;
  const { lagMs, lagBytes, position } = r.sample;
  if (lagMs === undefined || lagMs > MAX_LAG_MS) return false;
  if (lagBytes === undefined || lagBytes > MAX_LAG_BYTES) return false;
  if (minPosition > 0 && (position === undefined || position < minPosition)) return false;
  return true;
}

class Report implements fc.Command<Model, Real> {
  constructor(
    readonly id: string,
    readonly sample: ReplicaSample,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.router.report(this.id, this.sample);
    m.replicas.set(this.id, { healthy: this.sample.healthy, sample: this.sample, at: m.now });
  }
  toString = () => `report(${this.id}, ${JSON.stringify(this.sample)})`;
}

class MarkDown implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.router.markDown(this.id);
    const s = m.replicas.get(this.id);
    if (s) s.healthy = false;
  }
  toString = () => `markDown(${this.id})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.clock.advance(this.ms);
    m.now += this.ms;
  }
  toString = () => `advance(${this.ms})`;
}

class Write implements fc.Command<Model, Real> {
  constructor(readonly position: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.router.recordWrite(r.session, this.position);
    m.token = Math.max(m.token, this.position);
  }
  toString = () => `write(${this.position})`;
}

class Read implements fc.Command<Model, Real> {
  constructor(readonly withSession: boolean) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const lease = r.router.forRead(this.withSession ? { session: r.session } : undefined);
    const minPosition = this.withSession ? m.token : 0;
    const anyEligible = IDS.some((id) => eligible(m, id, minPosition));
    const e = lease.endpoint;
    if (typeof e === 'string') expect(anyEligible, 'fell back to the primary while a replica was eligible').toBe(false);
    else expect(eligible(m, e.id, minPosition), `${e.id} is not eligible`).toBe(true);
    lease.release();
    if (typeof e === 'string') m.reads.primary++;
    else m.reads.replica++;
    // stats(): the counters follow the reads and add up; each replica's eligibility is the model's
    const s = r.router.stats();
    expect(s).toMatchObject({ reads: m.reads.replica + m.reads.primary, replicaReads: m.reads.replica, fallbacks: m.reads.primary });
    expect(s.reads).toBe(s.replicaReads + s.primaryReads + s.noReplica + s.aborted);
    expect(s.primaryReads).toBe(s.stickyReads + s.fallbacks);
    for (const i of IDS) expect(s.replicas[i]?.eligible, i).toBe(eligible(m, i, 0));
    expect(s.eligibleReplicas).toBe(IDS.filter((i) => eligible(m, i, 0)).length);
  }
  toString = () => `read(${this.withSession ? 'session' : 'no session'})`;
}

const id = fc.constantFrom(...IDS);
const optional = (a: fc.Arbitrary<number>) => fc.option(a, { nil: undefined });
const sample = fc.record({
  healthy: fc.boolean(),
  lagMs: optional(fc.integer({ min: 0, max: 200 })),
  lagBytes: optional(fc.integer({ min: 0, max: 2_000 })),
  position: optional(fc.integer({ min: 0, max: 100 })),
});
const commands = [
  fc.tuple(id, sample).map(([i, s]) => new Report(i, s)),
  id.map((i) => new MarkDown(i)),
  fc.integer({ min: 0, max: 400 }).map((ms) => new Advance(ms)),
  fc.integer({ min: 1, max: 100 }).map((p) => new Write(p)),
  fc.boolean().map((b) => new Read(b)),
  fc.constant(new Read(true)),
];

function routerProperty(make: (clock: ManualClock) => RouterLike) {
  return fc.property(fc.commands(commands, { size: '+1' }), (cmds) => {
    const clock = new ManualClock();
    const router = make(clock);
    fc.modelRun(
      () => ({
        model: { replicas: new Map(), now: 0, token: 0, reads: { replica: 0, primary: 0 } },
        real: { router, clock, session: router.session() },
      }),
      cmds,
    );
  });
}

const options = (clock: ManualClock) => ({
  primary: 'primary',
  replicas: IDS.map((i) => ({ id: i })),
  readYourWrites: 'position' as const,
  maxLagMs: MAX_LAG_MS,
  maxLagBytes: MAX_LAG_BYTES,
  maxSampleAgeMs: MAX_AGE,
  clock,
});

/** Broken on purpose: forgets the session, so reads may hit a replica behind the caller's last write. */
class ForgetfulRouter extends ReplicaRouter<string> {
  override forRead(opts?: ReadOptions) {
    return super.forRead(opts?.key === undefined ? undefined : { key: opts.key });
  }
}

describe('ReplicaRouter against a model', () => {
  it('every read goes to an eligible replica, or to the primary only when none is', () => {
    fc.assert(routerProperty((clock) => new ReplicaRouter<string>(options(clock))));
  });

  it('catches a router that ignores the session position', () => {
    const result = fc.check(
      routerProperty((clock) => new ForgetfulRouter(options(clock))),
      { numRuns: 500 },
    );
    expect(result.failed).toBe(true);
  });
});
