import { randomUUID } from 'node:crypto';
import { isScalingError, xxHash32 } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { ringPointBytes } from '../src/_point-key.js';
import { type ConsistentHash, jumpConsistentHash, MaglevHash, MultiProbeHash, RendezvousHash, RingHash } from '../src/index.js';
import { implementations } from './_implementations.js';

const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function countOwners(h: ConsistentHash, ks: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of ks) {
    const o = h.getNode(k);
    m.set(o, (m.get(o) ?? 0) + 1);
  }
  return m;
}

describe('regressions reported against other consistent-hashing libraries', { timeout: 60_000 }, () => {
  it('1. weighted ring {a:1, b:2}, add c:1: no key moves between a and b', () => {
    const ring = new RingHash();
    ring.addNode('a', 1);
    ring.addNode('b', 2);
    const ks = keys(50_000);
    const before = ks.map((k) => ring.getNode(k));
    ring.addNode('c', 1);
    let moved = 0;
    ks.forEach((k, i) => {
      const now = ring.getNode(k);
      if (now !== before[i]) {
        expect(now).toBe('c');
        moved++;
      }
    });
    expect(moved).toBeGreaterThan(0);
  });

  it('2. 8 equal nodes → remove one: no key moves between survivors; point counts never come from 1/n floats', () => {
    for (const hash of ['xxh32', 'ketama'] as const) {
      const ring = new RingHash({ hash });
      for (let i = 0; i < 8; i++) ring.addNode(`node${i}`);
      const ks = keys(40_000);
      const before = ks.map((k) => ring.getNode(k));
      ring.removeNode('node3');
      ks.forEach((k, i) => {
        if (before[i] !== 'node3') expect(ring.getNode(k)).toBe(before[i]);
      });
    }
    // the float bug: 1/7 × 40 × 7 = 39.99… → 39 groups. Default mode: 160 points per node whatever n is;
    // ketama mode: 40 groups (160 points) per node for n = 7, 14, 28 thanks to libketama's float32 rounding.
    for (const n of [7, 14, 28]) {
      for (const hash of ['xxh32', 'ketama'] as const) {
        const ring = new RingHash({ hash });
        for (let i = 0; i < n; i++) ring.addNode(`s${i}`);
        expect(ring.pointCount).toBe(160 * n);
      }
    }
  });

  it('3. weights {a:1, b:1000}: a still owns keys', () => {
    for (const create of [() => new RingHash(), () => new RendezvousHash(), () => new MaglevHash()]) {
      const h: ConsistentHash = create();
      h.addNode('a', 1);
      h.addNode('b', 1000);
      const counts = countOwners(h, keys(200_000));
      expect(counts.get('a') ?? 0).toBeGreaterThan(0);
    }
  });

  it('4. two nodes, 100,000 random keys: each gets 50 ± 5 % with the default ring', () => {
    const ring = new RingHash();
    ring.addNode('a');
    ring.addNode('b');
    const counts = countOwners(
      ring,
      Array.from({ length: 100_000 }, () => randomUUID()),
    );
    for (const n of ['a', 'b']) {
      const share = (counts.get(n) ?? 0) / 100_000;
      expect(share).toBeGreaterThanOrEqual(0.45);
      expect(share).toBeLessThanOrEqual(0.55);
    }
  });

  it('5. nodes supplied in 100 random orders → the same owner for "HASH" and for 10,000 other keys', () => {
    const nodes = Array.from({ length: 12 }, (_, i) => `10.0.0.${i}:11211`);
    const ks = keys(10_000);
    for (const create of [
      () => new RingHash(),
      () => new RingHash({ hash: 'ketama' }),
      () => new RendezvousHash(),
      () => new MaglevHash({ tableSize: 4099 }),
      () => new MultiProbeHash(),
    ]) {
      const reference = create();
      for (const n of nodes) reference.addNode(n);
      const hashOwner = reference.getNode('HASH');
      const expected = ks.map((k) => reference.getNode(k));
      for (let round = 0; round < 100; round++) {
        const order = nodes.slice();
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [order[i], order[j]] = [order[j] as string, order[i] as string];
        }
        const h = create();
        for (const n of order) h.addNode(n);
        expect(h.getNode('HASH')).toBe(hashOwner);
        if (round % 10 === 0) expect(ks.map((k) => h.getNode(k))).toEqual(expected);
      }
    }
  });

  it('6. a forced point collision keeps both points, breaks the tie by node name, and removing one leaves the other', () => {
    const collide = (bytes: Uint8Array) =>
      ['alpha', 'beta'].some((n) => {
        const p = ringPointBytes(n, 0);
        return p.length === bytes.length && p.every((b, i) => b === bytes[i]);
      });
    const hash = (input: string | Uint8Array) => {
      if (input === 'the-key') return 12_345;
      if (typeof input !== 'string' && collide(input)) return 12_345;
      return xxHash32(input);
    };
    for (const order of [
      ['alpha', 'beta'],
      ['beta', 'alpha'],
    ]) {
      const ring = new RingHash({ hash, vnodes: 4 });
      for (const n of order) ring.addNode(n);
      expect(ring.pointCount).toBe(8); // both colliding points kept
      expect(ring.getNode('the-key')).toBe('alpha'); // tie → smaller name, whatever the order
      expect(ring.getNodes('the-key', 2)).toEqual(['alpha', 'beta']);
      ring.removeNode('alpha');
      expect(ring.pointCount).toBe(4);
      expect(ring.getNode('the-key')).toBe('beta'); // beta's point at 12345 is still there
    }
  });

  it('7. nodes s1:1, s1:11, s2:2, s2:5 (and s1, s11, s2, s5): no two (node, i) pairs build the same point string', () => {
    for (const nodes of [
      ['s1:1', 's1:11', 's2:2', 's2:5'],
      ['s1', 's11', 's2', 's5', 's', '1'],
    ]) {
      const seen = new Set<string>();
      for (const n of nodes) {
        for (let i = 0; i < 1000; i++) seen.add(Buffer.from(ringPointBytes(n, i)).toString('hex'));
      }
      expect(seen.size).toBe(nodes.length * 1000);
    }
  });

  it('8. keys whose hash has the top bit set ("ffffff" …) never give a negative index, always a member', () => {
    const topBit = keys(2000, 'ffffff').filter((k) => xxHash32(k) >= 0x80000000);
    topBit.unshift('ffffff');
    expect(topBit.length).toBeGreaterThan(500);
    for (const impl of implementations) {
      const h = impl.create();
      const members = ['a', 'b', 'c', 'd', 'e'];
      for (const n of members) h.addNode(n);
      for (const k of topBit) expect(members).toContain(h.getNode(k));
    }
    for (let n = 1; n < 300; n++) {
      const b = jumpConsistentHash(0xffffffff, 0xfffffffe, n);
      expect(b >= 0 && b < n).toBe(true);
    }
  });

  it('9. empty ring: getNode throws ERR_NO_NODES, getNodes returns []; the empty string is a valid key', () => {
    for (const impl of implementations) {
      const h = impl.create();
      let error: unknown;
      try {
        h.getNode('');
      } catch (e) {
        error = e;
      }
      expect(isScalingError(error, 'ERR_NO_NODES')).toBe(true);
      expect(h.getNodes('', 2)).toEqual([]);
      h.addNode('n');
      expect(h.getNode('')).toBe('n');
      expect(h.getNode(new Uint8Array(0))).toBe('n');
    }
  });

  it('10. adding the same node twice throws ERR_DUPLICATE_NODE and never creates two entries', () => {
    for (const impl of implementations) {
      const h = impl.create();
      h.addNode('dup');
      expect(() => h.addNode('dup')).toThrow(expect.objectContaining({ code: 'ERR_DUPLICATE_NODE' }));
      expect(h.nodes()).toEqual(['dup']);
      expect(h.removeNode('dup')).toBe(true);
      expect(h.removeNode('dup')).toBe(false);
      expect(h.size).toBe(0);
    }
    const ring = new RingHash();
    ring.addNode('dup');
    expect(() => ring.addNode('dup', 3)).toThrow();
    expect(ring.pointCount).toBe(160);
  });
});

describe('RingHash.shares', () => {
  it('sums to 1 and follows the weights', () => {
    const ring = new RingHash();
    ring.addNode('a', 1);
    ring.addNode('b', 3);
    const s = ring.shares();
    expect((s.get('a') as number) + (s.get('b') as number)).toBeCloseTo(1, 9);
    expect((s.get('b') as number) / (s.get('a') as number)).toBeGreaterThan(2);
  });
});

describe('weight bounds (tester report)', () => {
  it('regression: RingHash.addNode("a", 1e6) throws a RangeError naming `weight` and the limit instead of building 160 M points', () => {
    const ring = new RingHash();
    expect(() => ring.addNode('a', 1e6)).toThrow(RangeError);
    expect(() => ring.addNode('a', 1e6)).toThrow(/`weight`.*6553\.6.*1048576 points per node/);
    expect(ring.size).toBe(0);
    expect(() => ring.getNode('x')).toThrow(); // nothing was added
  });

  it('RingHash accepts a weight right at the limit and refuses the next one up', () => {
    const ring = new RingHash({ vnodes: 1024 });
    ring.addNode('a', 1024); // 2^20 points exactly
    expect(ring.pointCount).toBe(RingHash.MAX_POINTS_PER_NODE);
    expect(() => ring.addNode('b', 1025)).toThrow(/`weight` to be at most 1024/);
    expect(ring.getNode('x')).toBe('a');
  });

  it('RingHash refuses vnodes above MAX_POINTS_PER_NODE, naming `vnodes`', () => {
    expect(() => new RingHash({ vnodes: 2 ** 20 + 1 })).toThrow(/`vnodes`/);
  });

  it('ketama mode is not limited by weight: point groups are shared out of 40 × nodes', () => {
    const ring = new RingHash({ hash: 'ketama' });
    ring.addNode('a', 1e6);
    ring.addNode('b', 1);
    expect(ring.pointCount).toBeLessThanOrEqual(4 * (40 * 2 + 2));
    expect(ring.getNodes('k', 2).sort()).toEqual(['a', 'b']);
  });

  it('Maglev and Rendezvous cost does not grow with weight magnitude (only ratios matter)', () => {
    const maglev = new MaglevHash({ tableSize: 251 });
    maglev.addNode('a', 1e300);
    maglev.addNode('b', 1e-300);
    maglev.addNode('c', 1);
    expect(new Set(Array.from({ length: 2_000 }, (_, i) => maglev.getNode(`k${i}`))).has('a')).toBe(true);
    const rendezvous = new RendezvousHash();
    rendezvous.addNode('a', 1e300);
    rendezvous.addNode('b', 1e-300);
    expect(rendezvous.getNodes('k', 2).sort()).toEqual(['a', 'b']);
  });
});
