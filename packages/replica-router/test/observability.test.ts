// Issue 19: the documented channel fires, stats() matches its README table, and the counters add up
// across forRead and forReadAsync (waits that catch up, fall back, abort, or end at close()).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { expectDocumented, readme, tableAfter } from '../../../test/_readme-tables.js';
import { NoReplicaError, type ReplicaEndpoint, ReplicaRouter, type ReplicaRouterOptions, type ReplicaRouterStats } from '../src/index.js';

const README = readme(import.meta.url);

function make(extra: Partial<ReplicaRouterOptions<string, ReplicaEndpoint>> = {}) {
  const clock = new ManualClock();
  const router = new ReplicaRouter<string>({
    primary: 'primary',
    replicas: [{ id: 'r1' }, { id: 'r2' }],
    readYourWrites: 'position',
    maxWaitMs: 1_000,
    maxLagMs: 500,
    clock,
    ...extra,
  });
  return { clock, router };
}

function expectAddsUp(s: ReplicaRouterStats): void {
  expect(s.reads).toBe(s.replicaReads + s.primaryReads + s.noReplica + s.aborted);
  expect(s.primaryReads).toBe(s.stickyReads + s.fallbacks);
}

describe('channels (README table)', () => {
  it('scaling:replica-router:eligibility fires on each eligibility change, with the documented payload', () => {
    expect(tableAfter(README, '## Channels')).toEqual(['scaling:replica-router:eligibility']);
    const seen: object[] = [];
    const fn = (m: unknown): void => {
      seen.push(m as object);
    };
    subscribe('scaling:replica-router:eligibility', fn);
    try {
      const { router } = make();
      router.report('r1', { healthy: true, lagMs: 0, position: 1 });
      router.report('r1', { healthy: true, lagMs: 900, position: 1 });
      router.markDown('r1');
      expect(seen).toEqual([
        { id: 'r1', eligible: true, reason: undefined, source: router },
        { id: 'r1', eligible: false, reason: 'lag-ms', source: router },
      ]);
    } finally {
      unsubscribe('scaling:replica-router:eligibility', fn);
    }
  });
});

describe('stats()', () => {
  it('has the documented fields and kinds; replicas carry state, eligibility and lag', () => {
    const { router } = make();
    router.report('r1', { healthy: true, lagMs: 10, lagBytes: 64, position: 1 });
    router.report('r2', { healthy: false, detail: 'refused' });
    const s = router.stats();
    expectDocumented(README, '`ReplicaRouter.stats()`', s);
    expect(s.replicas).toEqual({
      r1: { state: 'eligible', eligible: true, healthy: true, lagMs: 10, lagBytes: 64 },
      r2: { state: 'down', eligible: false, healthy: false },
    });
    expect(s).toMatchObject({ eligibleReplicas: 1, maxLagMs: 500, waiting: 0, reads: 0 });
  });

  it('stats() emits nothing (a getter never changes state), unlike states()', () => {
    const { router, clock } = make({ maxSampleAgeMs: 100 });
    router.report('r1', { healthy: true, lagMs: 0, position: 1 });
    const changes: unknown[] = [];
    router.on('eligibility', (e) => changes.push(e));
    clock.advance(200);
    expect(router.stats().replicas.r1?.state).toBe('stale-sample');
    expect(changes).toEqual([]);
    router.states();
    expect(changes).toHaveLength(1);
  });

  it('counts forRead, sticky reads, fallbacks, NoReplicaError and every end of a wait; the counters add up', async () => {
    const { router, clock } = make();
    router.report('r1', { healthy: true, lagMs: 0, position: 100 });
    router.forRead().release(); // replica
    const session = router.session();
    router.recordWrite(session, 200);
    router.forRead({ session }).release(); // primary: r1 is behind the session
    expect(router.stats()).toMatchObject({ reads: 2, replicaReads: 1, fallbacks: 1, waits: 0 });

    // a wait that catches up
    const caughtUp = router.forReadAsync({ session });
    expect(router.stats()).toMatchObject({ waits: 1, waiting: 1, reads: 2 });
    clock.advance(30);
    router.report('r1', { healthy: true, lagMs: 0, position: 250 });
    expect((await caughtUp).endpoint).toEqual({ id: 'r1' });
    // a wait that times out
    router.recordWrite(session, 400);
    const late = router.forReadAsync({ session });
    await clock.advanceAsync(1_000);
    expect((await late).endpoint).toBe('primary');
    // an aborted wait
    const c = new AbortController();
    const aborted = router.forReadAsync({ session, signal: c.signal });
    c.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    // a wait ended by close()
    const closed = router.forReadAsync({ session });
    router.close();
    expect((await closed).endpoint).toBe('primary');
    let s = router.stats();
    expectAddsUp(s);
    expect(s).toMatchObject({ reads: 6, replicaReads: 2, fallbacks: 3, aborted: 1, waits: 4, waiting: 0 });
    expect(s.waitDuration.count).toBe(4);
    expect(s.waitDuration.max).toBe(1_000);
    expect(s.waitDuration.min).toBe(0);

    // 'time' stickiness and fallback: 'error'
    const t = make({ readYourWrites: 'time', fallback: 'error' }).router;
    const ts = t.session();
    t.recordWrite(ts);
    expect(t.forRead({ session: ts }).endpoint).toBe('primary');
    expect(() => t.forRead()).toThrow(NoReplicaError);
    await expect(t.forReadAsync()).rejects.toBeInstanceOf(NoReplicaError);
    s = t.stats();
    expectAddsUp(s);
    expect(s).toMatchObject({ reads: 3, stickyReads: 1, noReplica: 2, primaryReads: 1 });
  });

  it('a snapshot is a copy', async () => {
    const { router } = make();
    const before = router.stats();
    router.forRead();
    expect(before.reads).toBe(0);
    expect(router.stats().reads).toBe(1);
  });
});
