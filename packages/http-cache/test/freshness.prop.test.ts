import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentAge, freshnessLifetime, initialAge, parseAge, parseCacheControl, parseHttpDate } from '../src/index.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const date = (ms: number): string => new Date(ms).toUTCString();

describe('age calculation (RFC 9111 §4.2.3)', () => {
  it('treats negative and malformed Age as the most restrictive value (stale)', () => {
    for (const bad of ['-5', 'abc', '1.5', '7200;foo=bar', '']) expect(parseAge({ age: bad })).toBe(2 ** 31);
    expect(parseAge({ age: '10, 20' })).toBe(10);
    expect(parseAge({})).toBe(0);
  });

  it('is the larger of the apparent age and Age plus the response delay', () => {
    // Date 30 s before the response, Age 10, delay 2 s → 30 s.
    expect(initialAge({ date: date(T0 - 30_000), age: '10' }, T0 - 2000, T0)).toBe(30_000);
    // Date now, Age 10, delay 2 s → 12 s.
    expect(initialAge({ date: date(T0), age: '10' }, T0 - 2000, T0)).toBe(12_000);
    // A Date in the future gives no negative age.
    expect(initialAge({ date: date(T0 + 60_000) }, T0, T0)).toBe(0);
  });

  it('property: age is never negative and never below Age + delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: -1000, max: 1e6 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 1e9 }),
        (dateOffset, age, delay, resident) => {
          const headers = { date: date(T0 + dateOffset), age: String(age) };
          const initial = initialAge(headers, T0 - delay, T0);
          expect(initial).toBeGreaterThanOrEqual(0);
          expect(initial).toBeGreaterThanOrEqual((age < 0 ? 2 ** 31 : age) * 1000 + delay);
          expect(currentAge(initial, T0, T0 + resident)).toBe(initial + resident);
        },
      ),
    );
  });
});

describe('freshness lifetime (RFC 9111 §4.2.1)', () => {
  const lifetime = (headers: Record<string, string>, status = 200, shared = true): number =>
    freshnessLifetime(status, headers, parseCacheControl(headers['cache-control']), T0, { shared });

  it('prefers s-maxage, then max-age, then Expires, then the heuristic', () => {
    expect(lifetime({ 'cache-control': 's-maxage=5, max-age=9' })).toBe(5000);
    expect(lifetime({ 'cache-control': 's-maxage=5, max-age=9' }, 200, false)).toBe(9000);
    expect(lifetime({ 'cache-control': 'max-age=9', expires: date(T0 + 100_000) })).toBe(9000);
    expect(lifetime({ date: date(T0), expires: date(T0 + 100_000) })).toBe(100_000);
    expect(lifetime({ date: date(T0), 'last-modified': date(T0 - 100_000) })).toBe(10_000);
    expect(lifetime({ date: date(T0), 'last-modified': date(T0 - 100_000) }, 302)).toBe(0);
  });

  it('treats an invalid Expires as already expired', () => {
    expect(lifetime({ expires: '0' })).toBe(0);
    expect(parseHttpDate('0')).toBeUndefined();
  });

  it('property: max-age wins over Expires and is exact in ms', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 31 }), fc.integer({ min: -1e9, max: 1e9 }), (maxAge, expiresOffset) => {
        const headers = { 'cache-control': `max-age=${maxAge}`, date: date(T0), expires: date(T0 + expiresOffset) };
        expect(lifetime(headers)).toBe(maxAge * 1000);
      }),
    );
  });

  it('property: Expires − Date is never negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e10, max: 1e10 }), (offset) => {
        const l = lifetime({ date: date(T0), expires: date(T0 + offset) });
        expect(l).toBeGreaterThanOrEqual(0);
        expect(l).toBe(Math.max(0, Math.floor((T0 + offset) / 1000) * 1000 - T0));
      }),
    );
  });
});
