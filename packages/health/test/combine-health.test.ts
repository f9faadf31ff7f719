// Active checks and outlier detection feed one balancer without overwriting each other (issue 13,
// point 8; the kind Envoy avoids by keeping active-HC and outlier flags as separate bits of one host).
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineHealth, HealthMonitor, OutlierDetector } from '../src/index.js';

class Balancer {
  readonly down = new Set<string>();
  readonly calls: string[] = [];
  setHealthy(id: string, healthy: boolean): void {
    this.calls.push(`${id} ${healthy}`);
    if (healthy) this.down.delete(id);
    else this.down.add(id);
  }
}

describe('combineHealth', () => {
  it('regression (issue 13 point 8): the outlier detector’s probation no longer re-enables an endpoint the active check holds down', async () => {
    const clock = new ManualClock();
    const balancer = new Balancer();
    const health = combineHealth(balancer);
    const active = health.source('active');
    let upstreamUp = true;
    const monitor = new HealthMonitor({
      clock,
      checks: [
        { name: 'a', check: () => upstreamUp, intervalMs: 1_000, initialStatus: 'pass', unhealthyThreshold: 1, healthyThreshold: 1 },
      ],
    });
    monitor.on('change', ({ name, healthy }) => active.setHealthy(name, healthy));
    const detector = new OutlierDetector({
      clock,
      target: health.source('outliers'),
      endpoints: ['a', 'b', 'c'],
      baseEjectionTimeMs: 5_000,
    });
    monitor.start();
    await clock.advanceAsync(0);
    upstreamUp = false;
    for (let i = 0; i < 5; i++) detector.record('a', { ok: false }); // ejected by outlier detection
    await clock.advanceAsync(1_000); // and marked down by the active check
    expect(balancer.down.has('a')).toBe(true);
    expect(health.downVotes('a')).toEqual(['active', 'outliers']);
    await clock.advanceAsync(5_000); // the ejection ends: the detector puts `a` on probation…
    expect(detector.stateOf('a')).toBe('probing');
    expect(balancer.down.has('a')).toBe(true); // …but the active check still holds it down
    expect(health.downVotes('a')).toEqual(['active']);
    upstreamUp = true;
    await clock.advanceAsync(1_000);
    expect(balancer.down.has('a')).toBe(false); // both agree now
    expect(balancer.calls).toEqual(['a false', 'a true']); // the target never heard a repeat
    monitor.stop();
    detector.stop();
  });

  const vote = fc.record({ source: fc.integer({ min: 0, max: 3 }), id: fc.constantFrom('a', 'b', 'c'), healthy: fc.boolean() });
  /** The invariant, for any implementation with combineHealth's shape. */
  const andOfSources = (combine: typeof combineHealth) =>
    fc.property(fc.array(vote, { maxLength: 60 }), (votes) => {
      const balancer = new Balancer();
      const health = combine(balancer);
      const sources = [0, 1, 2, 3].map((i) => health.source(`s${i}`));
      const model = new Map<string, boolean>();
      for (const v of votes) {
        (sources[v.source] as { setHealthy(id: string, h: boolean): void }).setHealthy(v.id, v.healthy);
        model.set(`${v.source}/${v.id}`, v.healthy);
      }
      for (const id of ['a', 'b', 'c']) {
        const expected = [0, 1, 2, 3].every((s) => model.get(`${s}/${id}`) !== false);
        expect(!balancer.down.has(id)).toBe(expected);
        expect(health.isHealthy(id)).toBe(expected);
        // no two consecutive calls for one id say the same thing
        const calls = balancer.calls.filter((c) => c.startsWith(`${id} `));
        for (let i = 1; i < calls.length; i++) expect(calls[i]).not.toBe(calls[i - 1]);
        if (calls.length > 0) expect(calls[0]).toBe(`${id} false`);
      }
    });

  it('the target’s state is always the AND of every source’s latest vote, and it only hears changes (property)', () => {
    fc.assert(andOfSources(combineHealth));
  });

  it('the property catches a last-writer-wins combinator (the bug it replaces: sources overwriting each other)', () => {
    const lastWriterWins: typeof combineHealth = (target) => {
      const down = new Set<string>();
      const source = {
        setHealthy(id: string, h: boolean) {
          if (h) down.delete(id);
          else down.add(id);
          target.setHealthy(id, h);
        },
      };
      return { source: () => source, isHealthy: (id) => !down.has(id), downVotes: () => [], forget: (id) => void down.delete(id) };
    };
    expect(() => fc.assert(andOfSources(lastWriterWins))).toThrow();
  });

  it('the same name gives the same source; bad names and targets are TypeErrors; forget() drops the votes', () => {
    const balancer = new Balancer();
    const health = combineHealth(balancer);
    expect(health.source('x')).toBe(health.source('x'));
    expect(() => health.source('')).toThrow(TypeError);
    expect(() => combineHealth({} as never)).toThrow(/setHealthy/);
    health.source('x').setHealthy('a', false);
    health.forget('a');
    expect(health.isHealthy('a')).toBe(true);
    for (let i = 1; i < 31; i++) health.source(`s${i}`);
    expect(() => health.source('one too many')).toThrow(RangeError);
  });
});
