import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/index.js';

describe('ManualClock', () => {
  it('fires timers in due-time order, ties in scheduling order, with now() at each due time', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { maxLength: 50 }), fc.nat({ max: 2000 }), (delays, advanceBy) => {
        const clock = new ManualClock();
        const fired: Array<{ i: number; at: number }> = [];
        delays.forEach((d, i) => {
          clock.setTimeout(() => fired.push({ i, at: clock.now() }), d);
        });
        clock.advance(advanceBy);
        const expected = delays
          .map((d, i) => ({ i, at: d }))
          .filter((t) => t.at <= advanceBy)
          .sort((a, b) => a.at - b.at || a.i - b.i);
        expect(fired).toEqual(expected);
        expect(clock.now()).toBe(advanceBy);
        expect(clock.pendingTimers).toBe(delays.length - expected.length);
      }),
    );
  });

  it('never fires a cancelled timer, and runs timers scheduled by timers within the window', () => {
    const clock = new ManualClock(5);
    const log: number[] = [];
    const a = clock.setTimeout(() => log.push(1), 10);
    clock.setTimeout(() => {
      log.push(2);
      clock.setTimeout(() => log.push(3), 5);
    }, 10);
    clock.clearTimeout(a);
    clock.advance(15);
    expect(log).toEqual([2, 3]);
    expect(clock.now()).toBe(20);
  });

  it('is monotonic: set() to the past and negative advance() throw RangeError', () => {
    const clock = new ManualClock(100);
    expect(() => clock.set(99)).toThrow(RangeError);
    expect(() => clock.advance(-1)).toThrow(/`ms`/);
    expect(() => new ManualClock(Number.NaN)).toThrow(/`start`/);
    clock.set(150);
    expect(clock.now()).toBe(150);
  });

  it('advanceAsync lets promise chains run between timers', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => {
        log.push(`then@${clock.now()}`);
        clock.setTimeout(() => log.push(`second@${clock.now()}`), 10);
      });
    }, 10);
    await clock.advanceAsync(25);
    expect(log).toEqual(['then@10', 'second@20']);
  });
});

describe('systemClock', () => {
  it('is monotonic and its timers are unref()ed', () => {
    const a = systemClock.now();
    const b = systemClock.now();
    expect(b).toBeGreaterThanOrEqual(a);
    const t = systemClock.setTimeout(() => {}, 1_000_000) as NodeJS.Timeout;
    expect(t.hasRef()).toBe(false);
    systemClock.clearTimeout(t);
  });

  it('setTimeout(5, 1) throws a TypeError naming `callback` at the call, not later inside advance()', () => {
    const clock = new ManualClock();
    expect(() => clock.setTimeout(5 as never, 1)).toThrow(TypeError);
    expect(() => clock.setTimeout(5 as never, 1)).toThrow('Expected `callback` to be a function, got 5');
    expect(clock.pendingTimers).toBe(0);
    expect(() => clock.advance(2)).not.toThrow();
  });

  it('clearTimeout(undefined), null and foreign objects are no-ops like Node, leaving real timers and the object alone', () => {
    const clock = new ManualClock();
    let fired = 0;
    clock.setTimeout(() => fired++, 1);
    const foreign = { callback: 'mine' };
    expect(() => clock.clearTimeout(undefined as never)).not.toThrow();
    expect(() => clock.clearTimeout(null as never)).not.toThrow();
    clock.clearTimeout(foreign);
    expect(foreign.callback).toBe('mine');
    clock.advance(1);
    expect(fired).toBe(1);
  });
});
