import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { ReplicaRouter, type ReplicaSample } from '../src/index.js';

function positionRouter(maxWaitMs = 0, clock = new ManualClock()) {
  const router = new ReplicaRouter({ primary: { id: 'p' }, replicas: [{ id: 'a' }], readYourWrites: 'position', maxWaitMs, clock });
  router.report('a', { healthy: true, lagMs: 0, position: 10 });
  return { router, clock };
}

describe('router regressions (tester report)', () => {
  it('position mode: recordWrite without a position throws a TypeError naming `position` (no silent loss of read-your-writes)', () => {
    const { router } = positionRouter();
    const s = router.session();
    expect(() => router.recordWrite(s)).toThrow(TypeError);
    expect(() => router.recordWrite(s)).toThrow(/`position`/);
    // the failed call recorded nothing
    expect(s.lastWriteAt).toBe(Number.NEGATIVE_INFINITY);
    expect(() => router.recordWrite(s, Number.NaN)).toThrow(RangeError);
    expect(() => router.recordWrite(s, -1)).toThrow(/`position`/);
    router.recordWrite(s, 20);
    expect(router.forRead({ session: s }).endpoint).toEqual({ id: 'p' });
  });

  it('time mode: recordWrite without a position still starts the stickiness window', () => {
    const clock = new ManualClock();
    const router = new ReplicaRouter({ primary: { id: 'p' }, replicas: [{ id: 'a' }], readYourWrites: 'time', clock });
    router.report('a', { healthy: true, lagMs: 0 });
    const s = router.session();
    router.recordWrite(s);
    expect(router.forRead({ session: s }).endpoint).toEqual({ id: 'p' });
  });

  it.each([
    ['healthy', { healthy: 'yes', lagMs: 0 }, TypeError],
    ['lagMs', { healthy: true, lagMs: -5 }, RangeError],
    ['lagMs', { healthy: true, lagMs: Number.NaN }, RangeError],
    ['lagMs', { healthy: true, lagMs: '5' }, TypeError],
    ['lagBytes', { healthy: true, lagMs: 0, lagBytes: -1 }, RangeError],
    ['position', { healthy: true, lagMs: 0, position: Number.POSITIVE_INFINITY }, RangeError],
  ] as const)('report rejects a bad `%s`', (field, sample, type) => {
    const router = new ReplicaRouter({ primary: { id: 'p' }, replicas: [{ id: 'a' }] });
    const bad = () => router.report('a', sample as unknown as ReplicaSample);
    expect(bad).toThrow(type);
    expect(bad).toThrow(new RegExp(`\`${field}\``));
    // nothing was recorded: the replica still has no sample
    expect(router.states()[0]?.sampledAt).toBeUndefined();
  });

  it('report rejects a sample that is not an object', () => {
    const router = new ReplicaRouter({ primary: { id: 'p' }, replicas: [{ id: 'a' }] });
    expect(() => router.report('a', undefined as unknown as ReplicaSample)).toThrow(/`sample`/);
  });

  it("a replica whose id is the primary's id is rejected at construction", () => {
    let error: unknown;
    try {
      new ReplicaRouter({ primary: { id: 'x' }, replicas: [{ id: 'x' }] });
    } catch (e) {
      error = e;
    }
    expect(isScalingError(error) && error.code === 'ERR_DUPLICATE_ENDPOINT').toBe(true);
    expect(String((error as Error).message)).toMatch(/primary/);
  });

  it('forReadAsync with an already aborted signal rejects with its reason', async () => {
    const { router } = positionRouter(100);
    const ac = new AbortController();
    const reason = new Error('gone');
    ac.abort(reason);
    await expect(router.forReadAsync({ session: router.session(), signal: ac.signal })).rejects.toBe(reason);
  });

  it('forReadAsync: aborting the signal cancels the wait with its reason', async () => {
    const { router, clock } = positionRouter(100);
    const s = router.session();
    router.recordWrite(s, 20);
    const ac = new AbortController();
    const p = router.forReadAsync({ session: s, signal: ac.signal });
    expect(router.waiting).toBe(1);
    const reason = new Error('request cancelled');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(router.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('forReadAsync: a signal that never aborts does not change the outcome', async () => {
    const { router } = positionRouter(100);
    const s = router.session();
    router.recordWrite(s, 20);
    const ac = new AbortController();
    const p = router.forReadAsync({ session: s, signal: ac.signal });
    router.report('a', { healthy: true, lagMs: 0, position: 25 });
    expect((await p).endpoint).toEqual({ id: 'a' });
    ac.abort(new Error('late'));
    expect(router.waiting).toBe(0);
  });

  it('forReadAsync rejects a signal that is not an AbortSignal', async () => {
    const { router } = positionRouter(100);
    await expect(router.forReadAsync({ signal: 'x' as unknown as AbortSignal })).rejects.toThrow(/`signal`/);
  });
});
