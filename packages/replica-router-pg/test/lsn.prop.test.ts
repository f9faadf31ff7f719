import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from '../src/index.js';

describe('LSN parsing', () => {
  it('reads X/Y as X × 2³² + Y', () => {
    expect(parseLsn('0/0')).toBe(0);
    expect(parseLsn('0/16B3740')).toBe(0x16b3740);
    expect(parseLsn('1/0')).toBe(2 ** 32);
    expect(parseLsn('16/b374d848')).toBe(0x16 * 2 ** 32 + 0xb374d848);
    expect(parseLsn('FFFFF/FFFFFFFF')).toBe(2 ** 52 - 1);
  });

  it('rejects text that is not an LSN', () => {
    for (const bad of ['', '/', '1/', '/1', '1-2', 'G/1', '1/2/3', '123456789/0', ' 1/2']) expect(() => parseLsn(bad)).toThrow(RangeError);
    expect(() => parseLsn(1 as unknown as string)).toThrow(TypeError);
    expect(() => formatLsn(-1)).toThrow(RangeError);
    expect(() => formatLsn(1.5)).toThrow(RangeError);
  });

  it('format and parse round-trip and preserve order', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 21 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 53 - 1 }), (hi, lo, other) => {
        const p = hi * 2 ** 32 + lo;
        expect(parseLsn(formatLsn(p))).toBe(p);
        expect(formatLsn(p) === formatLsn(other)).toBe(p === other);
        expect(Math.sign(parseLsn(formatLsn(p)) - parseLsn(formatLsn(other)))).toBe(Math.sign(p - other));
      }),
    );
  });
});
