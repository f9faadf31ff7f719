// OutlierDetector.record(id, {}) means "no outcome", exactly like a load-balancer lease's release() /
// release({}) (issue 13, point 4; core's Outcome contract): a dropped or cancelled request is neither a
// success nor a failure.
import { ManualClock, type Outcome } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { OutlierDetector } from '../src/index.js';

function detector(clock = new ManualClock()) {
  const calls: string[] = [];
  const d = new OutlierDetector({
    clock,
    endpoints: ['a', 'b', 'c', 'd', 'e'],
    target: { setHealthy: (id, healthy) => calls.push(`${id} ${healthy}`) },
    failurePercentage: { requestVolume: 5, minimumHosts: 1 },
  });
  return { d, calls, clock };
}

describe('the outcome contract: no `ok` is no outcome', () => {
  it('record(id, {}) neither breaks a failure streak nor adds to it (as release() does not)', () => {
    const { d, calls } = detector();
    for (let i = 0; i < 4; i++) d.record('a', { ok: false });
    for (let i = 0; i < 10; i++) d.record('a', {}); // dropped requests: not a success that resets the streak
    d.record('a', { latencyMs: 3 }); // a latency alone is not an outcome either
    expect(d.stateOf('a')).toBe('healthy');
    d.record('a', { ok: false });
    expect(d.stateOf('a')).toBe('ejected');
    expect(calls).toEqual(['a false']);
    d.stop();
  });

  it('outcomes without `ok` do not count towards the failure-percentage window', () => {
    const { d, clock } = detector();
    for (let i = 0; i < 4; i++) d.record('b', { ok: false });
    for (let i = 0; i < 100; i++) d.record('b', {});
    clock.advance(10_000); // the analysis: 4 requests < requestVolume 5, so b is not judged
    expect(d.stateOf('b')).toBe('healthy');
    d.stop();
  });

  it('a probe released without an outcome puts the endpoint back on probation: the next admit is the probe', () => {
    const { d, calls, clock } = detector();
    for (let i = 0; i < 5; i++) d.record('c', { ok: false });
    clock.advance(30_000);
    expect(d.admit('c')).toBe(true); // the probe
    expect(d.admit('c')).toBe(false);
    d.record('c', {}); // the probe was cancelled: no verdict
    expect(d.stateOf('c')).toBe('probing');
    expect(d.admit('c')).toBe(true); // another probe may go
    d.record('c', { ok: true });
    expect(d.stateOf('c')).toBe('healthy');
    expect(calls).toEqual(['c false', 'c true', 'c false', 'c true', 'c false', 'c true']);
    d.stop();
  });

  it('an unknown endpoint reported without an outcome is not added', () => {
    const { d } = detector();
    d.record('new', {});
    expect(d.size).toBe(5);
    d.stop();
  });

  it('`ok` that is not a boolean is a TypeError naming `outcome.ok`, and nothing is recorded', () => {
    const { d } = detector();
    expect(() => d.record('a', { ok: 'yes' } as unknown as Outcome)).toThrow(/Expected `outcome.ok` to be a boolean or absent, got "yes"/);
    expect(() => d.record('a', { ok: 1 } as unknown as Outcome)).toThrow(TypeError);
    d.stop();
  });
});
