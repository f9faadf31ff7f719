// Issue "Existing packages: the faults …", point 9 (kind: a session read waits for a replica that can
// never serve it). forReadAsync waits only for a healthy replica that is catching up; with none that
// could serve the read it goes to the primary at once.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { NoReplicaError, type ReplicaEndpoint, ReplicaRouter, type ReplicaRouterOptions } from '../src/index.js';

const MAX_WAIT = 5_000;

function make(extra: Partial<ReplicaRouterOptions<string, ReplicaEndpoint>> = {}) {
  const clock = new ManualClock();
  const router = new ReplicaRouter<string>({
    primary: 'primary',
    replicas: [{ id: 'r1' }, { id: 'r2' }],
    readYourWrites: 'position',
    maxWaitMs: MAX_WAIT,
    maxLagMs: 1_000,
    maxSampleAgeMs: 10_000,
    clock,
    ...extra,
  });
  const session = router.session();
  router.recordWrite(session, 500);
  return { clock, router, session };
}

/** Resolves the read without advancing the clock: it must not have waited. */
async function readAtOnce(router: ReplicaRouter<string>, session: ReturnType<ReplicaRouter<string>['session']>) {
  const p = router.forReadAsync({ session });
  expect(router.waiting).toBe(0);
  return p;
}

describe('a session read never waits for a replica that could not serve it (issue point 9)', () => {
  const cases: Array<[string, (r: ReplicaRouter<string>, clock: ManualClock) => void]> = [
    ['no sample yet (nothing known about any replica)', () => {}],
    [
      'all replicas down',
      (r) => {
        r.report('r1', { healthy: false, detail: 'ECONNREFUSED' });
        r.report('r2', { healthy: false });
      },
    ],
    [
      'all replicas marked down after connection errors',
      (r) => {
        r.report('r1', { healthy: true, lagMs: 0, position: 100 });
        r.report('r2', { healthy: true, lagMs: 0, position: 100 });
        r.markDown('r1');
        r.markDown('r2');
      },
    ],
    [
      'not standbys (their probe fails: reported unhealthy)',
      (r) => {
        r.report('r1', { healthy: false, detail: 'replica r1 is not in recovery (promoted, or not a standby)' });
        r.report('r2', { healthy: false, detail: 'replica r2 is not in recovery (promoted, or not a standby)' });
      },
    ],
    [
      'all samples stale',
      (r, clock) => {
        r.report('r1', { healthy: true, lagMs: 0, position: 100 });
        r.report('r2', { healthy: true, lagMs: 0, position: 100 });
        clock.advance(10_001);
      },
    ],
    [
      'all over the lag limit',
      (r) => {
        r.report('r1', { healthy: true, lagMs: 5_000, position: 100 });
        r.report('r2', { healthy: true, lagMs: 5_000, position: 100 });
      },
    ],
  ];

  it.each(cases)('%s → the primary at once', async (_name, arrange) => {
    const { router, session, clock } = make();
    arrange(router, clock);
    expect((await readAtOnce(router, session)).endpoint).toBe('primary');
    expect(clock.pendingTimers).toBe(0);
  });

  it('no replicas configured (`replicas` omitted) → the primary at once', async () => {
    const clock = new ManualClock();
    const router = new ReplicaRouter<string>({ primary: 'primary', readYourWrites: 'position', maxWaitMs: MAX_WAIT, clock });
    const session = router.session();
    router.recordWrite(session, 500);
    expect((await readAtOnce(router, session)).endpoint).toBe('primary');
    expect(clock.pendingTimers).toBe(0);
  });

  it("with fallback 'error' it rejects at once with NoReplicaError (it used to resolve to the primary)", async () => {
    const { router, session } = make({ fallback: 'error' });
    router.report('r1', { healthy: false });
    router.report('r2', { healthy: false });
    await expect(router.forReadAsync({ session })).rejects.toBeInstanceOf(NoReplicaError);
    expect(router.waiting).toBe(0);
  });

  it('waits for a healthy replica that is catching up, and is woken by its report', async () => {
    const { router, session, clock } = make();
    router.report('r1', { healthy: true, lagMs: 10, position: 100 });
    const p = router.forReadAsync({ session });
    expect(router.waiting).toBe(1);
    clock.advance(100);
    router.report('r1', { healthy: true, lagMs: 0, position: 600 });
    expect((await p).endpoint).toEqual({ id: 'r1' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('a waiting read goes to the primary as soon as the last replica that could serve it goes down', async () => {
    const { router, session, clock } = make();
    router.report('r1', { healthy: true, lagMs: 10, position: 100 });
    const p = router.forReadAsync({ session });
    expect(router.waiting).toBe(1);
    router.markDown('r1');
    expect(router.waiting).toBe(0);
    expect((await p).endpoint).toBe('primary');
    expect(clock.pendingTimers).toBe(0);
  });
});
