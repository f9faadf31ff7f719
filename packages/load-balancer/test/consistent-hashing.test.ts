import { RingHash } from '@scaling/consistent-hash';
import { seededRandom } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConsistentHashing } from '../src/index.js';
import { TestRendezvous } from './_rendezvous.js';

const make = (n: number, extra: Partial<ConstructorParameters<typeof ConsistentHashing>[0]> = {}) =>
  new ConsistentHashing({ hash: () => new TestRendezvous(), endpoints: Array.from({ length: n }, (_, i) => ({ id: `e${i}` })), ...extra });

const owner = (lb: ConsistentHashing, key: string) => {
  const l = lb.pick({ key });
  l.release();
  return l.endpoint.id;
};

describe('ConsistentHashing', () => {
  it('uses @scaling/consistent-hash RingHash by default', () => {
    const lb = new ConsistentHashing({ endpoints: [{ id: 'a' }, { id: 'b', weight: 2 }] });
    const ring = new RingHash();
    ring.addNode('a', 1);
    ring.addNode('b', 2);
    for (let k = 0; k < 200; k++) expect(owner(lb, `key-${k}`)).toBe(ring.getNode(`key-${k}`));
  });

  it('sends a key to the same endpoint every time', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const lb = make(5);
        expect(owner(lb, key)).toBe(owner(lb, key));
      }),
    );
  });

  it('moves only the keys of a removed endpoint, and only keys that the new endpoint takes when one is added', () => {
    const keys = Array.from({ length: 2_000 }, (_, i) => `key-${i}`);
    const lb = make(5);
    const before = keys.map((k) => owner(lb, k));
    lb.remove('e2');
    const after = keys.map((k) => owner(lb, k));
    keys.forEach((_, i) => {
      if (before[i] !== 'e2') expect(after[i]).toBe(before[i]);
    });
    lb.add({ id: 'e9' });
    const added = keys.map((k) => owner(lb, k));
    keys.forEach((_, i) => {
      if (added[i] !== 'e9') expect(added[i]).toBe(after[i]);
    });
  });

  it('walks past an unhealthy or excluded owner to the key’s next node, leaving other keys in place', () => {
    const lb = make(6);
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    const before = keys.map((k) => owner(lb, k));
    lb.setHealthy('e3', false);
    keys.forEach((k, i) => {
      const now = owner(lb, k);
      expect(now).not.toBe('e3');
      if (before[i] !== 'e3') expect(now).toBe(before[i]);
    });
    const exclude = new Set(['e1']);
    for (const k of keys) expect(lb.pick({ key: k, exclude }).endpoint.id).not.toBe('e1');
  });

  it('with bounded loads, caps each endpoint at ⌈c · (active + 1) / n⌉ even for one hot key', () => {
    const lb = make(4, { boundedLoad: { balanceFactor: 1.25 } });
    for (let k = 0; k < 400; k++) {
      lb.pick({ key: 'hot' });
      const total = lb.endpoints.reduce((s, e) => s + (lb.activeRequests(e.id) ?? 0), 0);
      for (const e of lb.endpoints) expect(lb.activeRequests(e.id)).toBeLessThanOrEqual(Math.ceil((1.25 * total) / 4));
    }
  });

  it('hashes a random key when none is given', () => {
    const lb = make(4, { random: seededRandom(3) });
    const seen = new Set<string>();
    for (let k = 0; k < 200; k++) seen.add(owner(lb, undefined as unknown as string));
    expect(seen.size).toBe(4);
  });

  it('rejects a malformed hash, and a balance factor below 1', () => {
    expect(() => new ConsistentHashing({ hash: 42 as never })).toThrow(TypeError);
    expect(() => new ConsistentHashing({ hash: {} as never })).toThrow(/hash/);
    expect(() => make(1, { boundedLoad: { balanceFactor: 0.5 } })).toThrow(/balanceFactor/);
  });
});
