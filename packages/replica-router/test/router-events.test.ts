// Events through core's Emitter (docs/events.md), and issue "Existing packages: the faults …" points 14
// and 15 (kinds: re-entrant calls from callbacks; a throwing user callback leaves the structure broken),
// swept over every event and every callback of the router.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReplicaRouter, type ReplicaRouterEvents, type ReplicaSession } from '../src/index.js';

function make(onWait?: () => void) {
  const clock = new ManualClock();
  const router = new ReplicaRouter<string>({
    primary: 'primary',
    replicas: [{ id: 'a' }, { id: 'b' }],
    readYourWrites: 'position',
    maxWaitMs: 1_000,
    maxSampleAgeMs: 500,
    clock,
    ...(onWait ? { onWait } : {}),
  });
  return { clock, router };
}

/** Collects what listeners threw (the Emitter rethrows them on process.nextTick). */
function captureRethrows(): { errors: unknown[] } {
  const errors: unknown[] = [];
  vi.spyOn(process, 'nextTick').mockImplementation(((fn: () => void) => {
    try {
      fn();
    } catch (e) {
      errors.push(e);
    }
  }) as typeof process.nextTick);
  return { errors };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('eligibility events', () => {
  it('are emitted on report, markDown and, for a sample grown stale, at states()', () => {
    const { router, clock } = make();
    const seen: Array<ReplicaRouterEvents['eligibility']> = [];
    const off = router.on('eligibility', (e) => seen.push(e));
    router.report('a', { healthy: true, lagMs: 0 });
    router.report('a', { healthy: true, lagMs: 1 }); // no change: no event
    router.markDown('a');
    router.report('a', { healthy: true, lagMs: 0 });
    clock.advance(501);
    router.states();
    expect(seen).toEqual([
      { id: 'a', eligible: true, reason: undefined },
      { id: 'a', eligible: false, reason: 'down' },
      { id: 'a', eligible: true, reason: undefined },
      { id: 'a', eligible: false, reason: 'stale-sample' },
    ]);
    off();
    router.report('a', { healthy: true, lagMs: 0 });
    expect(seen).toHaveLength(4);
  });

  it('are published on diagnostics_channel scaling:replica-router:eligibility with the router as source', () => {
    const { router } = make();
    const got: unknown[] = [];
    const fn = (m: unknown) => got.push(m);
    subscribe('scaling:replica-router:eligibility', fn);
    try {
      router.report('b', { healthy: true, lagMs: 0 });
    } finally {
      unsubscribe('scaling:replica-router:eligibility', fn);
    }
    expect(got).toEqual([{ id: 'b', eligible: true, reason: undefined, source: router }]);
  });

  it('an unknown event name is a TypeError', () => {
    const { router } = make();
    expect(() => router.on('change' as 'eligibility', () => {})).toThrow(TypeError);
  });
});

describe('re-entrant calls from an eligibility listener work (point 14)', () => {
  const reentries: Array<[string, (r: ReplicaRouter<string>, s: ReplicaSession) => unknown]> = [
    ['forRead', (r) => r.forRead().release()],
    ['forRead with a session', (r, s) => r.forRead({ session: s }).release()],
    ['forReadAsync', (r, s) => void r.forReadAsync({ session: s }).then((l) => l.release())],
    ['report', (r) => r.report('b', { healthy: true, lagMs: 0, position: 1 })],
    ['markDown', (r) => r.markDown('b')],
    ['states', (r) => r.states()],
    ['recordWrite', (r, s) => r.recordWrite(s, 2)],
    ['close', (r) => r.close()],
  ];
  it.each(reentries)('%s', async (_name, call) => {
    const { router, clock } = make();
    const s = router.session();
    let calls = 0;
    router.on('eligibility', () => {
      if (calls++ < 3) call(router, s);
    });
    router.report('a', { healthy: true, lagMs: 0, position: 10 });
    router.markDown('a');
    router.report('a', { healthy: true, lagMs: 0, position: 10 });
    clock.advance(501);
    expect(() => router.forRead()).not.toThrow();
    // the router still routes by its state
    router.report('a', { healthy: true, lagMs: 0, position: 10 });
    router.report('b', { healthy: false });
    const lease = router.forRead();
    expect(lease.endpoint).toEqual({ id: 'a' });
    lease.release();
    router.close();
    await clock.advanceAsync(1_000);
    expect(router.waiting).toBe(0);
  });
});

describe('a throwing user callback never breaks the router (point 15)', () => {
  it('a throwing eligibility listener: other listeners run, the state is recorded, the error is rethrown', () => {
    const { errors } = captureRethrows();
    const { router } = make();
    const seen: string[] = [];
    router.on('eligibility', () => {
      throw new Error('listener bug');
    });
    router.on('eligibility', (e) => seen.push(e.id));
    router.report('a', { healthy: true, lagMs: 0 });
    expect(seen).toEqual(['a']);
    expect(router.states()[0]?.eligible).toBe(true);
    expect(router.forRead().endpoint).toEqual({ id: 'a' });
    expect(errors).toEqual([new Error('listener bug')]);
  });

  it('a throwing onWait: the read still waits and is answered, no waiter is stranded', async () => {
    const { errors } = captureRethrows();
    const { router, clock } = make(() => {
      throw new Error('onWait bug');
    });
    router.report('a', { healthy: true, lagMs: 0, position: 1 });
    const s = router.session();
    router.recordWrite(s, 10);
    const p = router.forReadAsync({ session: s });
    expect(router.waiting).toBe(1);
    router.report('a', { healthy: true, lagMs: 0, position: 10 });
    expect((await p).endpoint).toEqual({ id: 'a' });
    expect(router.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(errors).toEqual([new Error('onWait bug')]);
  });

  it('a throwing balancer pick surfaces from forRead and leaves the router usable', () => {
    let fail = true;
    const router = new ReplicaRouter<string>({
      primary: 'p',
      replicas: [{ id: 'a' }],
      balancer: (rs) => ({
        pick: () => {
          if (fail) throw new Error('strategy bug');
          return { endpoint: rs[0] as { id: string }, release() {} };
        },
      }),
    });
    router.report('a', { healthy: true, lagMs: 0 });
    expect(() => router.forRead()).toThrow('strategy bug');
    fail = false;
    expect(router.forRead().endpoint).toEqual({ id: 'a' });
  });
});
