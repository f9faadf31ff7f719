import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { NoReplicaError, type ReplicaBalancer, type ReplicaEndpoint, ReplicaRouter } from '../src/index.js';

const replicas = [{ id: 'r1' }, { id: 'r2' }];
const fresh = { healthy: true, lagMs: 0, lagBytes: 0, position: 100 };

function make(extra: Partial<ConstructorParameters<typeof ReplicaRouter<string>>[0]> = {}) {
  const clock = new ManualClock();
  const router = new ReplicaRouter<string>({ primary: 'primary', replicas, clock, ...extra });
  return { clock, router };
}

const target = (router: ReplicaRouter<string>, opts?: Parameters<ReplicaRouter<string>['forRead']>[0]) => {
  const e = router.forRead(opts).endpoint;
  return typeof e === 'string' ? e : e.id;
};

describe('replica eligibility', () => {
  it('writes go to the primary', () => {
    const { router } = make();
    expect(router.forWrite()).toBe('primary');
  });

  it('a replica with no sample yet (unknown health and lag) gets no reads', () => {
    const { router } = make();
    expect(target(router)).toBe('primary');
  });

  it('unknown lag is not healthy while a lag limit is set', () => {
    const { router } = make({ maxLagMs: 1000 });
    router.report('r1', { healthy: true });
    router.report('r2', { healthy: true, lagMs: 5 });
    for (let i = 0; i < 4; i++) expect(target(router)).toBe('r2');
  });

  it('reads rotate over eligible replicas', () => {
    const { router } = make();
    router.report('r1', fresh);
    router.report('r2', fresh);
    expect([target(router), target(router), target(router)]).toEqual(['r1', 'r2', 'r1']);
  });

  it('a replica over maxLagMs gets no reads', () => {
    const { router } = make({ maxLagMs: 500 });
    router.report('r1', { ...fresh, lagMs: 501 });
    router.report('r2', { ...fresh, lagMs: 500 });
    for (let i = 0; i < 4; i++) expect(target(router)).toBe('r2');
  });

  it('a replica over maxLagBytes stops receiving reads at the next decision, even mid-session', () => {
    const { router } = make({ maxLagBytes: 1024, readYourWrites: 'position' });
    const session = router.session();
    router.report('r1', fresh);
    expect(target(router, { session })).toBe('r1');
    router.report('r1', { ...fresh, lagBytes: 4096 });
    expect(target(router, { session })).toBe('primary');
  });

  it('a sample older than maxSampleAgeMs counts as unknown', () => {
    const { router, clock } = make({ maxSampleAgeMs: 1000 });
    router.report('r1', fresh);
    clock.advance(1000);
    expect(target(router)).toBe('r1');
    clock.advance(1);
    expect(target(router)).toBe('primary');
  });

  it('markDown removes a replica until a healthy sample arrives', () => {
    const { router } = make();
    router.report('r1', fresh);
    router.markDown('r1');
    expect(target(router)).toBe('primary');
    router.report('r1', { ...fresh, healthy: false });
    expect(target(router)).toBe('primary');
    router.report('r1', fresh);
    expect(target(router)).toBe('r1');
  });

  it("fallback 'error' throws ERR_NO_REPLICA naming each replica's state", () => {
    const { router } = make({ fallback: 'error' });
    router.report('r2', { ...fresh, healthy: false });
    let caught: unknown;
    try {
      router.forRead();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NoReplicaError);
    expect(isScalingError(caught, 'ERR_NO_REPLICA')).toBe(true);
    expect((caught as Error).message).toMatch(/r1: no sample; r2: down/);
  });

  it('with no replicas every read goes to the primary', () => {
    const router = new ReplicaRouter({ primary: 'p', replicas: [] });
    expect(router.forRead().endpoint).toBe('p');
  });

  it('passes the ineligible replicas to a custom balancer as `exclude`', () => {
    const seen: string[][] = [];
    const balancer = (rs: readonly ReplicaEndpoint[]): ReplicaBalancer<ReplicaEndpoint> => ({
      pick(options) {
        seen.push([...(options?.exclude ?? [])]);
        const e = rs.find((r) => !options?.exclude?.has(r.id)) as ReplicaEndpoint;
        return { endpoint: e, release() {} };
      },
    });
    const { router } = make({ balancer });
    router.report('r2', fresh);
    expect(target(router, { key: 'k' })).toBe('r2');
    expect(seen).toEqual([['r1']]);
  });

  it('rejects bad options naming them', () => {
    expect(() => new ReplicaRouter({ primary: 'p', replicas: [{ id: '' }] })).toThrow(/`replicas\[0\]\.id`/);
    expect(() => new ReplicaRouter({ primary: 'p', replicas: [{ id: 'a' }, { id: 'a' }] })).toThrow(/Duplicate replica id/);
    expect(() => new ReplicaRouter({ primary: 'p', replicas: [], maxLagMs: -1 })).toThrow(RangeError);
    expect(() => new ReplicaRouter({ primary: 'p', replicas: [], maxLagBytes: '1' as unknown as number })).toThrow(TypeError);
    expect(() => new ReplicaRouter({ primary: 'p', replicas: [], readYourWrites: 'sticky' as 'off' })).toThrow(/readYourWrites/);
    expect(() => new ReplicaRouter({ primary: 'p', replicas: [], fallback: 'x' as 'error' })).toThrow(/fallback/);
    expect(() => make().router.report('nope', fresh)).toThrow(RangeError);
  });
});

describe('read-your-writes', () => {
  it("'time' mode: reads stick to the primary for stickinessMs after a write (default 2,000 ms)", () => {
    const { router, clock } = make({ readYourWrites: 'time' });
    router.report('r1', fresh);
    const session = router.session();
    expect(target(router, { session })).toBe('r1');
    router.recordWrite(session);
    clock.advance(1999);
    router.report('r1', fresh);
    expect(target(router, { session })).toBe('primary');
    expect(target(router)).toBe('r1');
    clock.advance(1);
    expect(target(router, { session })).toBe('r1');
  });

  it("'position' mode: only replicas that replayed past the session's last write qualify", () => {
    const { router } = make({ readYourWrites: 'position' });
    router.report('r1', { ...fresh, position: 100 });
    router.report('r2', { ...fresh, position: 300 });
    const session = router.session();
    router.recordWrite(session, 200);
    for (let i = 0; i < 4; i++) expect(target(router, { session })).toBe('r2');
    router.recordWrite(session, 400);
    expect(target(router, { session })).toBe('primary');
    router.recordWrite(session, 50); // never lowers the token
    expect(session.position).toBe(400);
  });

  it("'position' mode: a replica with an unknown position never serves a session with a token", () => {
    const { router } = make({ readYourWrites: 'position' });
    router.report('r1', { healthy: true, lagMs: 0, lagBytes: 0 });
    const session = router.session();
    expect(target(router, { session })).toBe('r1');
    router.recordWrite(session, 1);
    expect(target(router, { session })).toBe('primary');
  });

  it("'off' mode ignores the session but honours an explicit minPosition", () => {
    const { router } = make();
    router.report('r1', { ...fresh, position: 10 });
    const session = router.session();
    router.recordWrite(session, 20);
    expect(target(router, { session })).toBe('r1');
    expect(target(router, { minPosition: 20 })).toBe('primary');
  });

  it('forReadAsync waits up to maxWaitMs for a replica to catch up, woken by a report', async () => {
    let waits = 0;
    const { router, clock } = make({ readYourWrites: 'position', maxWaitMs: 100, onWait: () => waits++ });
    router.report('r1', { ...fresh, position: 100 });
    const session = router.session();
    router.recordWrite(session, 150);
    const pending = router.forReadAsync({ session });
    expect(router.waiting).toBe(1);
    expect(waits).toBe(1);
    clock.advance(50);
    router.report('r1', { ...fresh, position: 160 });
    expect(((await pending).endpoint as { id: string }).id).toBe('r1');
    expect(router.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('forReadAsync falls back to the primary when maxWaitMs passes', async () => {
    const { router, clock } = make({ readYourWrites: 'position', maxWaitMs: 100 });
    router.report('r1', { ...fresh, position: 100 });
    const session = router.session();
    router.recordWrite(session, 150);
    const pending = router.forReadAsync({ session });
    clock.advance(99);
    router.report('r1', { ...fresh, position: 149 });
    expect(router.waiting).toBe(1);
    clock.advance(1);
    expect((await pending).endpoint).toBe('primary');
  });

  it('session tokens can be carried across processes with observe()', () => {
    const { router } = make({ readYourWrites: 'position' });
    router.report('r1', { ...fresh, position: 100 });
    const session = router.session();
    session.observe(101);
    expect(target(router, { session })).toBe('primary');
    expect(() => session.observe(-1)).toThrow(RangeError);
  });
});
