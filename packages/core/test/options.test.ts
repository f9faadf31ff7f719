import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/index.js';
import { assertClock, assertOptions } from '../src/internal.js';

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
});

describe('assertClock', () => {
  it('checks exactly the methods used', () => {
    expect(() => assertClock('clock', new ManualClock(), ['now', 'setTimeout', 'clearTimeout'])).not.toThrow();
    expect(() => assertClock('clock', { now: () => 0 }, ['now'])).not.toThrow();
    expect(() => assertClock('clock', { now: () => 0 }, ['now', 'setTimeout'])).toThrow(/`setTimeout\(\)`/);
    expect(() => assertClock('clock', 1, ['now'])).toThrow(/Expected `clock` to be a Clock, got 1/);
  });
});
