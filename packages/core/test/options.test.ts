import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/index.js';
import { assertClock, assertInRange, assertNoNearMiss, assertOptions, nearMissOf } from '../src/internal.js';

describe('assertOptions (kind: options from other libraries are never silently ignored)', () => {
  it('accepts known keys and returns the object', () => {
    const o = { max: 1 };
    expect(assertOptions('Cache options', o, ['max', 'ttl'])).toBe(o);
  });
  it('rejects a non-object naming what it got', () => {
    expect(() => assertOptions('Cache options', 5 as never, ['max'])).toThrow(/Expected `options` of Cache options to be an object, got 5/);
    expect(() => assertOptions('Cache options', null as never, ['max'])).toThrow(TypeError);
    expect(() => assertOptions('Cache options', [] as never, ['max'])).toThrow(/an array/);
  });
  it('undefined is accepted only when optional', () => {
    expect(assertOptions('X', undefined, ['a'], undefined, true)).toEqual({});
    expect(() => assertOptions('X', undefined, ['a'])).toThrow(/got undefined/);
  });
  it('names an unknown key and the hint', () => {
    expect(() => assertOptions('Cache options', { maxAge: 5 } as never, ['max', 'ttl'], { maxAge: 'use `ttl` (milliseconds)' })).toThrow(
      /Unknown option `maxAge` in Cache options \(use `ttl` \(milliseconds\)\)/,
    );
    expect(() => assertOptions('Queue options', { intervalCap: 5 } as never, ['concurrency'])).toThrow(/Unknown option `intervalCap`/);
  });
  it('new-user review, 2026-12: an own `__proto__` key (JSON.parse) is named clearly, not hinted "[object Object]"', () => {
    const hints = { maxAge: 'use `ttl`' };
    const parsed = JSON.parse('{"__proto__": {"x": 1}}') as object;
    expect(() => assertOptions('Cache options', parsed, ['max'], hints)).toThrow(
      /^Unknown option `__proto__` in Cache options \(an own `__proto__` key, as JSON.parse makes/,
    );
    expect(() => assertOptions('Cache options', parsed, ['max'])).toThrow(/as JSON.parse makes/);
    // keys Object.prototype has are unknown keys without a hint, not hinted with its members
    for (const key of ['constructor', 'toString', 'hasOwnProperty'])
      expect(() => assertOptions('Cache options', { [key]: 1 }, ['max'], hints)).toThrow(
        new RegExp(`^Unknown option \`${key}\` in Cache options; expected one of: \`max\`$`),
      );
  });
});

describe('assertInRange', () => {
  it('new-user review, 2026-12: a lower bound of Number.MIN_VALUE reads "(0, max]", not "[5e-324, max]"', () => {
    expect(() => assertInRange('quantile', 2, Number.MIN_VALUE, 1)).toThrow(/^Expected `quantile` to be a number in \(0, 1\], got 2$/);
    expect(() => assertInRange('quantile', 0, Number.MIN_VALUE, 1)).toThrow(RangeError);
    expect(() => assertInRange('quantile', 'x', Number.MIN_VALUE, 1)).toThrow(/in \(0, 1\], got "x"/);
    expect(() => assertInRange('x', 1, -1, -Number.MIN_VALUE)).toThrow(/in \[-1, 0\), got 1/);
    expect(() => assertInRange('p', 101, 0, 100)).toThrow(/in \[0, 100\], got 101/);
    expect(() => assertInRange('q', Number.MIN_VALUE, Number.MIN_VALUE, 1)).not.toThrow();
  });
});

describe('assertClock', () => {
  it('checks exactly the methods used', () => {
    expect(() => assertClock('clock', new ManualClock(), ['now', 'setTimeout', 'clearTimeout'])).not.toThrow();
    expect(() => assertClock('clock', { now: () => 0 }, ['now'])).not.toThrow();
    expect(() => assertClock('clock', { now: () => 0 }, ['now', 'setTimeout'])).toThrow(/`setTimeout\(\)`/);
    expect(() => assertClock('clock', 1, ['now'])).toThrow(/Expected `clock` to be a Clock, got 1/);
  });
});

describe('nearMissOf / assertNoNearMiss (new-user review, 2026-12: misspelt keys silently ignored)', () => {
  it('an adjacent transposition, a dropped or doubled letter, or a case change of a name is a near miss', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('weight', 'added', 'removed', 'released', 'pick'),
        fc.nat(),
        fc.constantFrom('swap', 'drop', 'double', 'upper'),
        (name, at, kind) => {
          // Never at the first letter: a look-alike must start like the name (so `height` is not `weight`).
          const i = kind === 'swap' ? 1 + (at % (name.length - 2)) : at % (name.length - 1);
          const typo =
            kind === 'swap'
              ? name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2)
              : kind === 'drop'
                ? name.slice(0, i + 1) + name.slice(i + 2)
                : kind === 'double'
                  ? name.slice(0, i + 1) + name[i + 1] + name.slice(i + 1)
                  : name.toUpperCase();
          fc.pre(typo !== name);
          expect(nearMissOf(typo, [name])).toBe(name);
        },
      ),
    );
  });

  it('other words and the names themselves are not', () => {
    for (const key of ['height', 'weights2x', 'url', 'ip', 'id', 'state', 'reset', 'history'])
      expect(nearMissOf(key, ['weight', 'added', 'released'])).toBeUndefined();
    expect(nearMissOf('weight', ['weight'])).toBeUndefined();
    expect(nearMissOf('onAdded', ['added'])).toBe('added');
  });

  it('assertNoNearMiss throws only when the look-alike stands in for a missing name, and looks at class methods', () => {
    expect(() => assertNoNearMiss('endpoint', { id: 'a', wieght: 1 }, ['weight'])).toThrow(
      'Unknown key `wieght` in endpoint (did you mean `weight`?)',
    );
    expect(() => assertNoNearMiss('endpoint', { id: 'a', weight: 2, wieght: 1 }, ['weight'])).not.toThrow();
    class S {
      pick(): number {
        return 0;
      }
      relased(): void {}
    }
    expect(() => assertNoNearMiss('strategy', new S(), ['pick', 'released'])).toThrow(/`relased`/);
  });
});
