import { xxHash32 } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JumpHash, jumpConsistentHash } from '../src/index.js';

/** The paper's C++ code with BigInt 64-bit arithmetic: the reference the 32-bit-halves version must match. */
function jumpReference(key: bigint, buckets: number): number {
  let b = -1n;
  let j = 0n;
  while (j < BigInt(buckets)) {
    b = j;
    key = (key * 2862933555777941757n + 1n) & 0xffffffffffffffffn;
    j = BigInt(Math.floor(Number(b + 1n) * (2 ** 31 / Number((key >> 33n) + 1n))));
  }
  return Number(b);
}

describe('jumpConsistentHash is bit-exact with the 64-bit reference', () => {
  it('agrees with a BigInt implementation for any 64-bit key and bucket count', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), fc.integer({ min: 1, max: 1 << 20 }), (key, n) => {
        const hi = Number(key >> 32n);
        const lo = Number(key & 0xffffffffn);
        expect(jumpConsistentHash(hi, lo, n)).toBe(jumpReference(key, n));
      }),
      { numRuns: 500 },
    );
  });

  it('moves a key only to the new bucket when n grows by one', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 5000 }), (hi, lo, n) => {
        const a = jumpConsistentHash(hi, lo, n);
        const b = jumpConsistentHash(hi, lo, n + 1);
        expect(b === a || b === n).toBe(true);
      }),
    );
  });
});

describe('JumpHash over named nodes', () => {
  it('maps nodes to buckets in insertion order and keys through xxHash32 zero-extended to 64 bits (as Guava pads 32-bit hash codes)', () => {
    const jump = new JumpHash();
    const nodes = Array.from({ length: 37 }, (_, i) => `shard-${i}`);
    for (const n of nodes) jump.addNode(n);
    expect(jump.nodes()).toEqual(nodes);
    for (const key of ['a', 'user:42', '', 'ünïcödé', 'x'.repeat(100)]) {
      expect(jump.getNode(key)).toBe(nodes[jumpConsistentHash(0, xxHash32(key), 37)]);
    }
  });

  it('removes only its highest bucket (ERR_UNSUPPORTED_REMOVAL otherwise)', () => {
    const jump = new JumpHash();
    for (const n of ['a', 'b', 'c']) jump.addNode(n);
    expect(() => jump.removeNode('a')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED_REMOVAL' }));
    expect(jump.size).toBe(3);
    expect(jump.removeNode('c')).toBe(true);
    expect(jump.nodes()).toEqual(['a', 'b']);
  });
});
