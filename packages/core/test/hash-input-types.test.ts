import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fnv1a64, xxHash32, xxHash64 } from '../src/index.js';

const out = new Uint32Array(2);
const hashes: Array<[string, (input: never) => unknown]> = [
  ['xxHash32', (input) => xxHash32(input)],
  ['xxHash64', (input) => xxHash64(input, out)],
  ['fnv1a64', (input) => fnv1a64(input, out)],
];

describe('hash input types', () => {
  for (const [name, hash] of hashes) {
    it(`${name}(5) throws a TypeError naming \`input\` instead of hashing a number as zero bytes`, () => {
      expect(() => hash(5 as never)).toThrow(TypeError);
      expect(() => hash(5 as never)).toThrow('Expected `input` to be a string or Uint8Array, got 5');
    });

    it(`${name}(undefined), null, objects and arrays throw the same TypeError, not a raw error from inside`, () => {
      for (const [value, shown] of [
        [undefined, 'undefined'],
        [null, 'null'],
        [{ length: 3 }, 'an object'],
        [[1, 2, 3], 'an array'],
        [new Uint16Array(2), 'an object'],
        [42n, '42'],
      ] as const) {
        expect(() => hash(value as never)).toThrow(`Expected \`input\` to be a string or Uint8Array, got ${shown}`);
      }
    });

    it(`${name} still accepts strings, Uint8Arrays, Buffers and Uint8Arrays from another realm (same bytes, same hash)`, () => {
      const bytes = new Uint8Array([97, 98, 99]);
      const digest = (input: never): string => String(hash(input)) + String(out);
      const expected = digest('abc' as never);
      expect(digest(bytes as never)).toBe(expected);
      expect(digest(Buffer.from('abc') as never)).toBe(expected);
      expect(digest(runInNewContext('new Uint8Array([97, 98, 99])') as never)).toBe(expected);
    });
  }
});
