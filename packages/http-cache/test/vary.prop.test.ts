import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeVaryValue, parseVary, varyMatches, varyValues } from '../src/index.js';

describe('Vary matching (RFC 9111 §4.1)', () => {
  it('parses names lower-cased, deduplicated and sorted; * wins', () => {
    expect(parseVary({ vary: 'Accept-Encoding, accept-language , ACCEPT-ENCODING' })).toEqual(['accept-encoding', 'accept-language']);
    expect(parseVary({ vary: 'accept, *' })).toBe('*');
    expect(parseVary({})).toEqual([]);
  });

  it('normalises whitespace and combined field lines', () => {
    expect(normalizeVaryValue('gzip,   br')).toBe(normalizeVaryValue(['gzip', ' br']));
    expect(normalizeVaryValue('en  US')).toBe('en US');
    expect(normalizeVaryValue(undefined)).toBeUndefined();
  });

  it('an absent field does not match an empty one', () => {
    expect(varyMatches(['accept'], [undefined], { accept: '' })).toBe(false);
    expect(varyMatches(['accept'], [undefined], {})).toBe(true);
  });

  const token = fc.stringMatching(/^[a-z0-9]{1,6}$/);
  const values = fc.array(token, { minLength: 1, maxLength: 4 });
  const spaces = fc.stringMatching(/^[ \t]{0,3}$/);

  it('property: a request matches the variant it stored, whatever the whitespace', () => {
    fc.assert(
      fc.property(values, spaces, spaces, (vals, a, b) => {
        const stored = varyValues(['accept-encoding'], { 'accept-encoding': vals.join(',') });
        const request = { 'accept-encoding': a + vals.join(`${b},${a}`) + b };
        expect(varyMatches(['accept-encoding'], stored, request)).toBe(true);
      }),
    );
  });

  it('property: different token lists never match', () => {
    fc.assert(
      fc.property(values, values, (x, y) => {
        fc.pre(x.join(',') !== y.join(','));
        const stored = varyValues(['accept-language'], { 'accept-language': x.join(', ') });
        expect(varyMatches(['accept-language'], stored, { 'accept-language': y.join(', ') })).toBe(false);
      }),
    );
  });
});
