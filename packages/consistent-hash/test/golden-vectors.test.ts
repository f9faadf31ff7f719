import { describe, expect, it } from 'vitest';
import { jumpConsistentHash, RingHash } from '../src/index.js';

describe('jump consistent hash golden vectors (reference C++ / Guava / go-jump)', () => {
  it('key 1 with n = 1…19', () => {
    const got = Array.from({ length: 19 }, (_, i) => jumpConsistentHash(0, 1, i + 1));
    expect(got).toEqual([0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]);
  });

  it('key 0xdeadbeef with n = 1…19', () => {
    const got = Array.from({ length: 19 }, (_, i) => jumpConsistentHash(0, 0xdeadbeef, i + 1));
    expect(got).toEqual([0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]);
  });

  it.each([
    [2, 100001, 80343],
    [2202, 100001, 15018],
    [256, 1024, 520],
  ])('Guava: consistentHash(%d, %d) = %d', (key, buckets, expected) => {
    expect(jumpConsistentHash(0, key, buckets)).toBe(expected);
  });
});

describe('ketama mode golden vector (libketama)', { timeout: 60_000 }, () => {
  it('server1…server10 (weight 1) own 8699, 10885, 9980, 10237, 9099, 10997, 10365, 10380, 9896, 9462 of foo0…foo99999', () => {
    const ring = new RingHash({ hash: 'ketama' });
    for (let i = 1; i <= 10; i++) ring.addNode(`server${i}`);
    expect(ring.pointCount).toBe(1600);
    const counts = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const n = ring.getNode(`foo${i}`);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect(Array.from({ length: 10 }, (_, i) => counts.get(`server${i + 1}`))).toEqual([
      8699, 10885, 9980, 10237, 9099, 10997, 10365, 10380, 9896, 9462,
    ]);
  });

  it('the same in reverse insertion order', () => {
    const ring = new RingHash({ hash: 'ketama' });
    for (let i = 10; i >= 1; i--) ring.addNode(`server${i}`);
    let s1 = 0;
    for (let i = 0; i < 100_000; i++) if (ring.getNode(`foo${i}`) === 'server1') s1++;
    expect(s1).toBe(8699);
  });
});
