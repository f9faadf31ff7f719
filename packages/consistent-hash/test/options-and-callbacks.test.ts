// Issue 13 points 14, 15 and 18 for consistent hashing: every options object rejects unknown keys (with a
// hint for the names other libraries use), and a user callback — the ring's custom hash function, or an
// inner ConsistentHash — that throws or calls back in never leaves a structure broken.
import { isScalingError } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import {
  BoundedLoadHash,
  type ConsistentHash,
  MaglevHash,
  MultiProbeHash,
  ReentrantCallError,
  RendezvousHash,
  RingHash,
} from '../src/index.js';

describe('every options object rejects unknown keys (issue 13 kind: silently ignored options)', () => {
  const cases: Array<[string, (o: object) => unknown, object, RegExp]> = [
    ['RingHash', (o) => new RingHash(o), { 'vnode count': 40 }, /`vnode count`.*`vnodes`/],
    ['RingHash', (o) => new RingHash(o), { replicas: 40 }, /`replicas`.*`vnodes`/],
    ['RingHash', (o) => new RingHash(o), { compatibility: 'hash_ring' }, /ketama/],
    ['RingHash', (o) => new RingHash(o), { 'max cache size': 5000 }, /no cache/],
    ['MaglevHash', (o) => new MaglevHash(o), { table_size: 65537 }, /`tableSize`/],
    ['MultiProbeHash', (o) => new MultiProbeHash(o), { k: 21 }, /`probes`/],
    ['BoundedLoadHash', (o) => new BoundedLoadHash(new RingHash(), o), { hash_balance_factor: 125 }, /1\.25/],
  ];
  it.each(cases)('%s: %j → TypeError with a hint', (_name, make, options, hint) => {
    expect(() => make(options)).toThrow(TypeError);
    expect(() => make(options)).toThrow(hint);
  });

  it.each([
    ['RingHash', (o: object) => new RingHash(o)],
    ['MaglevHash', (o: object) => new MaglevHash(o)],
    ['MultiProbeHash', (o: object) => new MultiProbeHash(o)],
    ['BoundedLoadHash', (o: object) => new BoundedLoadHash(new RingHash(), o)],
  ])('%s: any unknown key is named; a non-object is a TypeError', (_name, make) => {
    expect(() => make({ surprise: 1 })).toThrow(/Unknown option `surprise`/);
    expect(() => make('fast' as never)).toThrow(TypeError);
  });
});

describe('a throwing or re-entrant custom hash never leaves the ring broken (issue 13 kinds: throwing / re-entrant callbacks)', () => {
  it('a hash that throws while the ring rebuilds leaves it rebuildable on the next call', () => {
    let fail = false;
    const ring = new RingHash({
      hash: (input) => {
        if (fail) throw new Error('hash backend down');
        return typeof input === 'string' ? input.length * 2654435761 : (input[0] ?? 0) * 2654435761 + input.length;
      },
    });
    ring.addNode('a');
    const before = ring.getNode('k');
    fail = true;
    ring.addNode('b');
    expect(() => ring.getNode('k')).toThrow('hash backend down');
    expect(() => ring.getNodes('k', 2)).toThrow('hash backend down');
    fail = false;
    expect(ring.size).toBe(2);
    expect(ring.getNodes('k', 2).sort()).toEqual(['a', 'b']);
    ring.removeNode('b');
    expect(ring.getNode('k')).toBe(before);
    // A node added while the hash was failing and removed before any rebuild leaves nothing behind.
    fail = true;
    ring.addNode('c');
    ring.removeNode('c');
    fail = false;
    expect(ring.nodes()).toEqual(['a']);
    expect(ring.pointCount).toBe(160);
  });

  it('a hash that calls back into the ring while it rebuilds gets ERR_REENTRANT_CALL, and the ring still works', () => {
    let reenter: ((r: RingHash) => unknown) | undefined;
    let seen: unknown;
    const ring: RingHash = new RingHash({
      hash: (input) => {
        if (reenter !== undefined) {
          const f = reenter;
          reenter = undefined;
          try {
            f(ring);
          } catch (e) {
            seen = e;
          }
        }
        return typeof input === 'string' ? input.length : input.length * 7919 + (input[input.length - 1] ?? 0) * 65537;
      },
    });
    for (const call of [(r: RingHash) => r.getNode('x'), (r: RingHash) => r.addNode('z'), (r: RingHash) => r.removeNode('a')]) {
      seen = undefined;
      reenter = call;
      ring.addNode(`n${ring.size}`);
      ring.getNode('k');
      expect(seen).toBeInstanceOf(ReentrantCallError);
      expect(isScalingError(seen, 'ERR_REENTRANT_CALL')).toBe(true);
    }
    expect(ring.size).toBe(3);
    expect(ring.pointCount).toBe(480);
    // Outside a rebuild the hash may use the ring: a lookup from inside a lookup works.
    let inner: string | undefined;
    reenter = (r) => {
      inner = r.getNode('other');
    };
    ring.getNode('k');
    expect(typeof inner).toBe('string');
  });

  it('BoundedLoadHash keeps its counts when the inner algorithm throws', () => {
    const inner = new RendezvousHash();
    let fail = false;
    const flaky: ConsistentHash = {
      get size() {
        return inner.size;
      },
      nodes: () => inner.nodes(),
      addNode: (n, w) => {
        if (fail) throw new Error('inner add failed');
        inner.addNode(n, w);
      },
      removeNode: (n) => {
        if (fail) throw new Error('inner remove failed');
        return inner.removeNode(n);
      },
      getNode: (k) => {
        if (fail) throw new Error('inner lookup failed');
        return inner.getNode(k);
      },
      getNodes: (k, c) => inner.getNodes(k, c),
    };
    const b = new BoundedLoadHash(flaky);
    b.addNode('a');
    b.addNode('b');
    const held = b.acquire('k1');
    fail = true;
    expect(() => b.addNode('c')).toThrow('inner add failed');
    expect(() => b.removeNode('a')).toThrow('inner remove failed');
    expect(() => b.acquire('k2')).toThrow('inner lookup failed');
    fail = false;
    expect(b.totalLoad).toBe(1);
    expect(b.loadOf(held)).toBe(1);
    expect([...b.nodes()].sort()).toEqual(['a', 'b']);
    b.addNode('c');
    expect(b.capacityOf('c')).toBeGreaterThan(0);
  });
});

describe('getters never change state (issue 14: no getter with side effects)', () => {
  it('RingHash.pointCount counts pending changes without rebuilding (so never calls the hash function)', () => {
    for (const hash of ['xxh32', 'ketama'] as const) {
      const ring = new RingHash({ hash });
      for (const n of ['a', 'b', 'c']) ring.addNode(n, n === 'b' ? 2 : 1);
      const built = ring.pointCount;
      ring.getNode('k');
      expect(ring.pointCount).toBe(built);
      ring.addNode('d', 0.5);
      ring.removeNode('a');
      const pending = ring.pointCount;
      ring.getNode('k'); // applies the changes
      expect(ring.pointCount).toBe(pending);
    }
    let calls = 0;
    const ring = new RingHash({ hash: (input) => ++calls + input.length });
    ring.addNode('a');
    expect(ring.pointCount).toBe(160);
    expect(calls).toBe(0);
  });
});
