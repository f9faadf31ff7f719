import { ManualClock } from '@scaling/core';
import { HealthMonitor } from '@scaling/health';
import { describe, expect, it } from 'vitest';
import { ReplicaHealth, type ReplicaProbeResult, ReplicaRouter } from '../src/index.js';

function setup(options: { healthyThreshold?: number; unhealthyThreshold?: number; monitor?: HealthMonitor } = {}) {
  const clock = new ManualClock();
  const router = new ReplicaRouter<string>({ primary: 'primary', replicas: [{ id: 'r1' }, { id: 'r2' }], maxLagMs: 100, clock });
  const results = new Map<string, ReplicaProbeResult | Error>([
    ['r1', { lagMs: 5, lagBytes: 0, position: 10 }],
    ['r2', { lagMs: 5, lagBytes: 0, position: 10 }],
  ]);
  let probes = 0;
  const health = new ReplicaHealth(router, {
    probe: async (replica) => {
      probes++;
      const r = results.get(replica.id);
      if (r instanceof Error) throw r;
      return r as ReplicaProbeResult;
    },
    intervalMs: 1_000,
    clock,
    ...options,
  });
  const eligible = () => router.states().map((s) => s.eligible);
  return { clock, router, results, health, eligible, probes: () => probes };
}

describe('replica health through @scaling/health checks', () => {
  it('scheduled probes feed the router; nothing is eligible before the first one', async () => {
    const { clock, health, eligible, probes } = setup();
    expect(eligible()).toEqual([false, false]);
    health.start();
    await clock.advanceAsync(0);
    expect(eligible()).toEqual([true, true]);
    await clock.advanceAsync(3_000);
    expect(probes()).toBe(8);
    health.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a replica over the lag limit, or whose probe fails (lag unknown), gets no reads at the next decision', async () => {
    const { clock, router, health, results, eligible } = setup({ unhealthyThreshold: 3 });
    health.start();
    await clock.advanceAsync(0);
    results.set('r1', { lagMs: 500, lagBytes: 0, position: 10 });
    results.set('r2', new Error('connection refused'));
    await clock.advanceAsync(1_000);
    expect(eligible()).toEqual([false, false]);
    // r2 is still healthy in the health report (1 failure of 3), but out of routing
    expect(health.monitor.isHealthy('replica:r2')).toBe(true);
    expect(router.states()[1]?.healthy).toBe(false);
    health.stop();
  });

  it('rise threshold: a replica that went down needs healthyThreshold passing probes to come back', async () => {
    const { clock, health, results, eligible } = setup({ healthyThreshold: 2 });
    health.start();
    await clock.advanceAsync(0);
    results.set('r1', new Error('down'));
    await clock.advanceAsync(1_000);
    expect(health.monitor.isHealthy('replica:r1')).toBe(false);
    results.set('r1', { lagMs: 0, lagBytes: 0, position: 20 });
    await clock.advanceAsync(1_000);
    expect(eligible()[0]).toBe(false);
    // an out-of-schedule probe measures lag but does not override the hysteresis
    await health.checkNow();
    expect(eligible()[0]).toBe(false);
    await clock.advanceAsync(1_000);
    expect(eligible()[0]).toBe(true);
    health.stop();
  });

  it('the checks appear in the health report of a shared monitor and leave it on stop()', async () => {
    const clock = new ManualClock();
    const monitor = new HealthMonitor({ clock });
    const { health } = setup({ monitor });
    expect(monitor.checkNames).toEqual(['replica:r1', 'replica:r2']);
    monitor.start();
    await clock.advanceAsync(0);
    expect(Object.keys(monitor.report().checks)).toEqual(['replica:r1', 'replica:r2']);
    health.stop();
    expect(monitor.checkNames).toEqual([]);
    monitor.stop();
  });

  it('rejects bad options naming them', () => {
    const router = new ReplicaRouter({ primary: 'p', replicas: [{ id: 'r1' }] });
    expect(() => new ReplicaHealth(router, { probe: 1 as unknown as () => Promise<ReplicaProbeResult> })).toThrow(/`probe`/);
    expect(() => new ReplicaHealth(router, { probe: async () => ({}), intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('probe result validation', () => {
  it('a probe returning a negative lag fails its check (the replica leaves routing) instead of throwing out of the monitor', async () => {
    const { clock, health, results, eligible } = setup();
    health.start();
    await clock.advanceAsync(0);
    expect(eligible()).toEqual([true, true]);
    results.set('r1', { lagMs: -5, lagBytes: 0, position: 10 });
    await clock.advanceAsync(1_000);
    expect(eligible()).toEqual([false, true]);
    await health.checkNow();
    expect(eligible()).toEqual([false, true]);
    health.stop();
  });
});

describe('probe timeouts (issue "Existing packages: the faults …", point 12)', () => {
  it('checkNow settles at timeoutMs when a probe never settles, and the replica is not probed again while it hangs', async () => {
    const clock = new ManualClock();
    const router = new ReplicaRouter<string>({ primary: 'primary', replicas: [{ id: 'r1' }], clock });
    let probes = 0;
    const health = new ReplicaHealth(router, {
      probe: () => {
        probes++;
        return new Promise(() => {}); // accepts and never answers, ignoring its signal
      },
      timeoutMs: 200,
      clock,
    });
    let settled = false;
    const p = health.checkNow().then((s) => {
      settled = true;
      return s;
    });
    await clock.advanceAsync(199);
    expect(settled).toBe(false);
    await clock.advanceAsync(1);
    const [state] = await p;
    expect(state).toMatchObject({ eligible: false, reason: 'down' });
    expect(state?.detail).toMatch(/timed out after 200 ms/);
    await Promise.all([health.checkNow(), clock.advanceAsync(200)]);
    expect(probes).toBe(1);
    health.stop();
  });

  it('a probe that throws synchronously fails the check with its message', async () => {
    const clock = new ManualClock();
    const router = new ReplicaRouter<string>({ primary: 'primary', replicas: [{ id: 'r1' }], clock });
    const health = new ReplicaHealth(router, {
      probe: () => {
        throw new Error('no route to host');
      },
      clock,
    });
    const [state] = await health.checkNow();
    expect(state).toMatchObject({ reason: 'down', detail: 'no route to host' });
    expect(clock.pendingTimers).toBe(0);
    health.stop();
  });
});
