import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import xxhashWasm from 'xxhash-wasm';
import { fnv1a64, xxHash32, xxHash64 } from '../src/index.js';

const hex = (n: number) => n.toString(16).padStart(8, '0');
const fnvHex = (input: string | Uint8Array) => {
  const [hi, lo] = fnv1a64(input, new Uint32Array(2));
  return hex(hi as number) + hex(lo as number);
};

/** Reference FNV-1a 64 with BigInt, straight from the definition. */
function fnvReference(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('xxHash32 matches the published vectors of the xxHash specification', () => {
  it.each([
    ['', 0, 0x02cc5d05],
    ['a', 0, 0x550d7456],
    ['abc', 0, 0x32d153ff],
    ['Nobody inspects the spammish repetition', 0, 0xe2293b2f],
    ['', 0x9e3779b1, 0x36b78ae7],
  ])('xxh32(%j, seed %d)', (input, seed, expected) => {
    expect(hex(xxHash32(input, seed))).toBe(hex(expected));
  });

  it('hashes a string as its UTF-8 bytes', () => {
    for (const s of ['é', '日本語', '😀 emoji', 'mixed ascii and ü and 𝄞']) {
      expect(xxHash32(s, 7)).toBe(xxHash32(new TextEncoder().encode(s), 7));
    }
  });

  it('agrees with the xxhash-wasm reference build on random strings, bytes and seeds', async () => {
    const ref = await xxhashWasm();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.nat(), (s, seed) => {
        expect(xxHash32(s, seed)).toBe(ref.h32(s, seed));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), (b, seed) => {
        expect(xxHash32(b, seed)).toBe(ref.h32Raw(b, seed));
      }),
    );
  });
});

describe('fnv1a64 matches the FNV reference vectors', () => {
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('fnv1a64(%j)', (input, expected) => {
    expect(fnvHex(input)).toBe(expected);
  });

  it('agrees with a BigInt implementation of the definition on any bytes and strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(fnvHex(b)).toBe(fnvReference(b));
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(fnvHex(s)).toBe(fnvReference(new TextEncoder().encode(s)));
      }),
    );
  });
});

const x64Hex = (input: string | Uint8Array, seed = 0) => {
  const [hi, lo] = xxHash64(input, new Uint32Array(2), seed);
  return hex(hi as number) + hex(lo as number);
};

describe('xxHash64 matches the published XXH64 vectors', () => {
  it.each([
    ['', 0, 'ef46db3751d8e999'],
    ['a', 0, 'd24ec4f1a98c6e5b'],
    ['abc', 0, '44bc2cf5ad770999'],
    ['Nobody inspects the spammish repetition', 0, 'fbcea83c8a378bf1'],
    ['', 0x9e3779b1, 'ac75fda2929b17ef'],
  ])('xxh64(%j, seed %d)', (input, seed, expected) => {
    expect(x64Hex(input, seed)).toBe(expected);
  });

  it('agrees with the xxhash-wasm reference build (h64) on random strings, bytes and seeds, every length path', async () => {
    const ref = await xxhashWasm();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.nat(), (s, seed) => {
        expect(x64Hex(s, seed)).toBe(ref.h64(s, BigInt(seed)).toString(16).padStart(16, '0'));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), fc.nat(), (b, seed) => {
        expect(x64Hex(b, seed)).toBe(ref.h64Raw(b, BigInt(seed)).toString(16).padStart(16, '0'));
      }),
    );
  });

  it('writes into the caller-supplied array and returns it', () => {
    const out = new Uint32Array(2);
    expect(xxHash64('abc', out)).toBe(out);
    expect(xxHash64(new TextEncoder().encode('日本語'), new Uint32Array(2))).toEqual(xxHash64('日本語', new Uint32Array(2)));
  });
});

describe('hash properties', () => {
  it('is deterministic: equal input → equal output, string or bytes', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), (s, seed) => {
        expect(xxHash32(s, seed)).toBe(xxHash32(s, seed));
        expect(xxHash32(s, seed)).toBe(xxHash32(new TextEncoder().encode(s), seed));
      }),
    );
  });

  it('returns unsigned 32-bit integers', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = xxHash32(s);
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      }),
    );
  });

  it('spreads sequential keys evenly over 64 buckets (chi-square, p ≈ 0.001)', () => {
    for (const hash of [(k: string) => xxHash32(k), (k: string) => fnv1a64(k, new Uint32Array(2))[1] as number]) {
      const buckets = new Array(64).fill(0);
      const n = 64_000;
      for (let i = 0; i < n; i++) buckets[(hash(`key:${i}`) >>> 0) % 64]++;
      const expected = n / 64;
      const chi2 = buckets.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
      // 63 degrees of freedom: the 0.999 quantile is about 103.4
      expect(chi2).toBeLessThan(103.4);
    }
  });
});
