import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type EjectionReason, OutlierDetector, type OutlierDetectorOptions } from '../src/index.js';

/** A stand-in for @scaling/load-balancer: only setHealthy, as the detector needs. */
class FakeBalancer {
  readonly healthy = new Map<string, boolean>();
  readonly calls: string[] = [];
  setHealthy(id: string, healthy: boolean): void {
    this.healthy.set(id, healthy);
    this.calls.push(`${id}:${healthy ? 'up' : 'down'}`);
  }
  isUp(id: string): boolean {
    return this.healthy.get(id) ?? true;
  }
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `e${i}`);

function setup(options: Partial<OutlierDetectorOptions> = {}, n = 10) {
  const clock = new ManualClock();
  const target = new FakeBalancer();
  const ejections: Array<[string, EjectionReason, number]> = [];
  const detector = new OutlierDetector({
    target,
    clock,
    endpoints: ids(n),
    onEject: (id, reason, ms) => ejections.push([id, reason, ms]),
    ...options,
  });
  return { clock, target, detector, ejections };
}

const FAIL = { ok: false };
const OK = { ok: true, latencyMs: 3 };

describe('OutlierDetector', () => {
  it('rejects bad options', () => {
    const target = new FakeBalancer();
    expect(() => new OutlierDetector({ target: {} as never })).toThrow(/setHealthy/);
    expect(() => new OutlierDetector({ target, consecutiveFailures: -1 })).toThrow(RangeError);
    expect(() => new OutlierDetector({ target, maxEjectionPercent: 101 })).toThrow(RangeError);
    expect(() => new OutlierDetector({ target, baseEjectionTimeMs: 1000, maxEjectionTimeMs: 10 })).toThrow(/maxEjectionTimeMs/);
    expect(() => new OutlierDetector({ target, successRate: { stdevFactor: 0 } })).toThrow(/successRate.stdevFactor/);
  });

  it('ejects after 5 consecutive failures (default), and a success resets the streak', () => {
    const { detector, target, ejections } = setup();
    for (let i = 0; i < 4; i++) detector.record('e0', FAIL);
    detector.record('e0', OK);
    for (let i = 0; i < 4; i++) detector.record('e0', FAIL);
    expect(target.isUp('e0')).toBe(true);
    detector.record('e0', FAIL);
    expect(target.isUp('e0')).toBe(false);
    expect(detector.stateOf('e0')).toBe('ejected');
    expect(ejections).toEqual([['e0', 'consecutive-failures', 30_000]]);
    detector.stop();
  });

  it('ejection time is base × number of ejections, capped at maxEjectionTimeMs', async () => {
    const { detector, clock, ejections } = setup({
      baseEjectionTimeMs: 30_000,
      maxEjectionTimeMs: 100_000,
      successRate: false,
      failurePercentage: false,
    });
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
      clock.advance(ejections.at(-1)?.[2] ?? 0);
      expect(detector.stateOf('e0')).toBe('probing');
      detector.record('e0', OK);
      expect(detector.stateOf('e0')).toBe('healthy');
    }
    expect(ejections.map((e) => e[2])).toEqual([30_000, 60_000, 90_000, 100_000, 100_000]);
    detector.stop();
  });

  it('the ejection multiplier decays while the endpoint stays healthy', () => {
    const { detector, clock, ejections } = setup({ intervalMs: 10_000, successRate: false, failurePercentage: false });
    for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
    clock.advance(30_000);
    detector.record('e0', OK);
    expect(detector.ejectionsOf('e0')).toBe(1);
    clock.advance(50_000);
    expect(detector.ejectionsOf('e0')).toBe(0);
    for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
    expect(ejections.map((e) => e[2])).toEqual([30_000, 30_000]);
    detector.stop();
  });

  it('after the ejection time, a probing endpoint returns on success or is ejected again at once on failure', () => {
    const { detector, clock, target, ejections } = setup({ successRate: false, failurePercentage: false });
    for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
    clock.advance(30_000);
    expect(target.isUp('e0')).toBe(true);
    expect(detector.stateOf('e0')).toBe('probing');
    detector.record('e0', FAIL); // one failure suffices while probing
    expect(target.isUp('e0')).toBe(false);
    expect(ejections.map((e) => [e[1], e[2]])).toEqual([
      ['consecutive-failures', 30_000],
      ['probe-failed', 60_000],
    ]);
    detector.stop();
  });

  it('admit() lets exactly one probe request through after the ejection time, not a flood', () => {
    const { detector, clock, target } = setup({ successRate: false, failurePercentage: false });
    for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
    expect(detector.admit('e0')).toBe(false);
    clock.advance(30_000);
    const admitted = Array.from({ length: 100 }, () => detector.admit('e0')).filter(Boolean).length;
    expect(admitted).toBe(1);
    expect(target.isUp('e0')).toBe(false); // out of rotation while the probe is in flight
    detector.record('e0', OK);
    expect(target.isUp('e0')).toBe(true);
    expect(detector.admit('e0')).toBe(true);
    expect(detector.admit('e0')).toBe(true);
    detector.stop();
  });

  it('a probe whose outcome never arrives counts as failed after probeTimeoutMs', () => {
    const { detector, clock, target, ejections } = setup({ successRate: false, failurePercentage: false, probeTimeoutMs: 5_000 });
    for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
    clock.advance(30_000);
    expect(detector.admit('e0')).toBe(true);
    clock.advance(5_000);
    expect(detector.stateOf('e0')).toBe('ejected');
    expect(ejections.map((e) => e[1])).toEqual(['consecutive-failures', 'probe-failed']);
    clock.advance(60_000);
    expect(target.isUp('e0')).toBe(true);
    detector.stop();
  });

  it('never ejects more than maxEjectionPercent of the endpoints, but always allows one', () => {
    const ten = setup({ maxEjectionPercent: 10 }, 10);
    const three = setup({ maxEjectionPercent: 10 }, 3);
    for (const { detector, target } of [ten, three]) {
      for (const id of ids(detector.size)) for (let i = 0; i < 5; i++) detector.record(id, FAIL);
      expect(detector.ejectedCount).toBe(1);
      expect(ids(detector.size).filter((id) => !target.isUp(id))).toEqual(['e0']);
      detector.stop();
    }
    const half = setup({ maxEjectionPercent: 50 }, 10);
    for (const id of ids(10)) for (let i = 0; i < 5; i++) half.detector.record(id, FAIL);
    expect(half.detector.ejectedCount).toBe(5);
    half.detector.stop();
  });

  it('ejects on failure percentage over the interval window with a minimum request volume and host count', () => {
    const { detector, clock, ejections } = setup({ consecutiveFailures: 0, successRate: false, maxEjectionPercent: 100 }, 6);
    // e0: 90 % failures over 60 requests; e1: 90 % failures but only 40 requests (below volume 50)
    for (const id of ids(6)) {
      const n = id === 'e1' ? 40 : 60;
      for (let i = 0; i < n; i++) detector.record(id, (id === 'e0' || id === 'e1') && i % 10 !== 0 ? FAIL : OK);
    }
    expect(ejections).toEqual([]);
    clock.advance(10_000);
    expect(ejections.map((e) => [e[0], e[1]])).toEqual([['e0', 'failure-percentage']]);
    detector.stop();
  });

  it('does not judge failure percentage with fewer than minimumHosts endpoints at volume', () => {
    const { detector, clock, ejections } = setup({ consecutiveFailures: 0, successRate: false }, 4);
    for (let i = 0; i < 100; i++) detector.record('e0', FAIL);
    for (const id of ['e1', 'e2', 'e3']) for (let i = 0; i < 100; i++) detector.record(id, OK);
    clock.advance(10_000);
    expect(ejections).toEqual([]);
    detector.stop();
  });

  it('ejects success-rate outliers below mean − k·stdev', () => {
    const { detector, clock, ejections } = setup({ consecutiveFailures: 0, failurePercentage: false, maxEjectionPercent: 100 }, 10);
    // nine endpoints at 99–100 % success, one at 70 %
    ids(10).forEach((id, k) => {
      for (let i = 0; i < 200; i++) detector.record(id, id === 'e9' ? (i % 10 < 3 ? FAIL : OK) : i < 200 - (k % 3) ? OK : FAIL);
    });
    clock.advance(10_000);
    expect(ejections.map((e) => [e[0], e[1]])).toEqual([['e9', 'success-rate']]);
    // the window resets: nothing else happens on the next interval without traffic
    clock.advance(10_000);
    expect(ejections).toHaveLength(1);
    detector.stop();
  });

  it('adds unknown endpoints on first record and forgets removed ones', () => {
    const { detector, target } = setup({}, 0);
    for (let i = 0; i < 5; i++) detector.record('new', FAIL);
    expect(detector.size).toBe(1);
    expect(target.isUp('new')).toBe(false);
    expect(detector.remove('new')).toBe(true);
    expect(detector.ejectedCount).toBe(0);
    expect(detector.stateOf('new')).toBeUndefined();
    expect(detector.remove('new')).toBe(false);
    detector.stop();
  });

  it('remove() keeps the other endpoints intact (swap with last slot)', () => {
    const { detector } = setup({ maxEjectionPercent: 100 }, 4);
    for (let i = 0; i < 5; i++) detector.record('e3', FAIL);
    for (let i = 0; i < 3; i++) detector.record('e2', FAIL);
    detector.remove('e1');
    expect(detector.stateOf('e3')).toBe('ejected');
    for (let i = 0; i < 2; i++) detector.record('e2', FAIL);
    expect(detector.stateOf('e2')).toBe('ejected');
    expect(detector.stateOf('e0')).toBe('healthy');
    detector.stop();
  });

  it('stop() clears every timer and returns ejected endpoints to the target', () => {
    const { detector, clock, target } = setup({ maxEjectionPercent: 100 }, 3);
    for (const id of ids(3)) for (let i = 0; i < 5; i++) detector.record(id, FAIL);
    expect(clock.pendingTimers).toBe(4); // the analysis sweep + three ejections
    detector.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(ids(3).every((id) => target.isUp(id))).toBe(true);
    for (let i = 0; i < 5; i++) detector.record('e0', FAIL);
    expect(target.isUp('e0')).toBe(true);
  });
});
