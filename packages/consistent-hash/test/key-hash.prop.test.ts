import { xxHash32 } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyHash32 } from '../src/_key-hash.js';

describe('the ASCII fast path of key hashing equals core xxHash32', () => {
  it('on any string (ASCII, Latin-1, BMP, astral, lone surrogates) and any bytes', () => {
    for (const s of ['', 'a', 'Āaaa', 'aĀ', 'aaaaaaaaaaaaaaaaĀ', 'é', 'ÿÿÿÿ', '日本語日本語日本語日本語日本語', '😀😀😀😀😀😀😀😀']) {
      expect(keyHash32(s)).toBe(xxHash32(s));
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ maxLength: 60 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
        ),
        (s) => {
          expect(keyHash32(s)).toBe(xxHash32(s));
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
        expect(keyHash32(b)).toBe(xxHash32(b));
      }),
    );
  });
});
