import { describe, expect, it } from 'vitest';
import { PeakEwma, PowerOfTwoChoices, RoundRobin, WeightedRoundRobin } from '../src/index.js';

describe('option validation', () => {
  it('names the option and the value received', () => {
    expect(() => new RoundRobin({ panicThreshold: 150 })).toThrow(/Expected `panicThreshold` to be a number in \[0, 100\], got 150/);
    expect(() => new RoundRobin({ random: 3 as never })).toThrow(TypeError);
    expect(() => new RoundRobin({ clock: {} as never })).toThrow(/clock/);
    expect(() => new RoundRobin({ leaseTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => new RoundRobin({ pooledLeases: 'yes' as never })).toThrow(/pooledLeases/);
    expect(() => new RoundRobin({ endpoints: [{ id: 1 as never }] })).toThrow(/endpoint\.id/);
    expect(() => new RoundRobin({ endpoints: [{ id: 'a', weight: -1 }] })).toThrow(/endpoint\.weight/);
    expect(() => new WeightedRoundRobin({ scheduler: 'fast' as never })).toThrow(/scheduler/);
    expect(() => new PowerOfTwoChoices({ activeRequestBias: -1 })).toThrow(/activeRequestBias/);
    expect(() => new PeakEwma({ decayMs: 0 })).toThrow(/decayMs/);
    expect(() => new RoundRobin().on('nope' as never, (() => {}) as never)).toThrow(/event/);
    expect(() => new RoundRobin({ endpoints: [{ id: 'a' }] }).setHealthy('a', 1 as never)).toThrow(/healthy/);
  });

  it('with pooledLeases: false gives a fresh lease per pick', () => {
    const lb = new RoundRobin({ endpoints: [{ id: 'a' }], pooledLeases: false });
    const a = lb.pick();
    a.release();
    const b = lb.pick();
    expect(b).not.toBe(a);
    a.release();
    expect(lb.activeRequests('a')).toBe(1);
  });

  it('reports unknown ids from setHealthy and remove as false', () => {
    const lb = new RoundRobin();
    expect(lb.setHealthy('x', false)).toBe(false);
    expect(lb.remove('x')).toBe(false);
    expect(lb.activeRequests('x')).toBeUndefined();
    expect(lb.stateOf('x')).toBeUndefined();
  });
});
