import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xxHash32 } from '../src/index.js';

/** The encoded path: hash the string's UTF-8 bytes, never the ASCII shortcut. */
const encoded = (s: string, seed = 0) => xxHash32(new TextEncoder().encode(s), seed);

describe('xxHash32 of a string: the ASCII fast path equals hashing its UTF-8 bytes', () => {
  it('on any string (ASCII, Latin-1, BMP, astral, lone surrogates) and any seed', () => {
    for (const s of ['', 'a', 'Āaaa', 'aĀ', 'aaaaaaaaaaaaaaaaĀ', 'é', 'ÿÿÿÿ', '日本語日本語日本語日本語日本語', '😀😀😀😀😀😀😀😀']) {
      expect(xxHash32(s)).toBe(encoded(s));
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.string({ maxLength: 60 }),
          fc.string({ unit: 'grapheme', maxLength: 40 }),
        ),
        (s) => {
          expect(xxHash32(s)).toBe(encoded(s));
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
        fc.nat(),
        (s, seed) => {
          expect(xxHash32(s, seed)).toBe(encoded(s, seed));
        },
      ),
    );
  }, 30_000); // ~1,600 property runs: 1–2 s alone, several times that on a loaded 2-core machine
});
