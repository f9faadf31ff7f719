import { describe, expect, it } from 'vitest';
import { isScalingError, ScalingError, TimeoutError } from '../src/index.js';
import { assertPositiveInteger } from '../src/internal.js';

describe('ScalingError', () => {
  it('carries a stable code, a name and a cause', () => {
    const cause = new Error('root');
    const e = new ScalingError('ERR_NO_NODES', 'empty', { cause });
    expect(e.code).toBe('ERR_NO_NODES');
    expect(e.name).toBe('ScalingError');
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
    expect(isScalingError(e)).toBe(true);
    expect(isScalingError(e, 'ERR_NO_NODES')).toBe(true);
    expect(isScalingError(e, 'ERR_TIMEOUT')).toBe(false);
  });

  it('is recognised across two installed copies (brand via Symbol.for)', () => {
    // An error built by "another copy": same registry symbol, different class.
    const foreign = Object.assign(new Error('x'), { code: 'ERR_QUEUE_FULL' });
    Object.defineProperty(foreign, Symbol.for('@scaling/core:ScalingError'), { value: true });
    expect(isScalingError(foreign, 'ERR_QUEUE_FULL')).toBe(true);
    expect(isScalingError(new Error('plain'))).toBe(false);
    expect(isScalingError(null)).toBe(false);
    expect(isScalingError({ code: 'ERR_QUEUE_FULL' })).toBe(false);
  });

  it('TimeoutError fixes code and name', () => {
    const e = new TimeoutError('too slow', 50);
    expect([e.code, e.name, e.timeoutMs, isScalingError(e)]).toEqual(['ERR_TIMEOUT', 'TimeoutError', 50, true]);
  });
});

describe('assertions', () => {
  it('name the option and the value received', () => {
    expect(() => assertPositiveInteger('max', 0)).toThrow('Expected `max` to be a positive integer, got 0');
    expect(() => assertPositiveInteger('max', 2.5)).toThrow(RangeError);
    expect(() => assertPositiveInteger('max', '10')).toThrow(TypeError);
    expect(() => assertPositiveInteger('max', '10')).toThrow('got "10"');
    expect(() => assertPositiveInteger('max', Number.NaN)).toThrow(RangeError);
    expect(() => assertPositiveInteger('max', 3)).not.toThrow();
  });
});
