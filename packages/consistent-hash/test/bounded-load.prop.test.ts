import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedLoadHash, MultiProbeHash, RingHash } from '../src/index.js';

describe('BoundedLoadHash caps every node at ⌈c × average⌉', { timeout: 60_000 }, () => {
  it('never exceeds the cap through random acquires and releases', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.double({ min: 1, max: 2, noNaN: true }),
        fc.array(
          fc.oneof(
            fc.string().map((k) => ({ acquire: k })),
            fc.nat().map((i) => ({ release: i })),
          ),
          { maxLength: 300 },
        ),
        (n, c, ops) => {
          const lb = new BoundedLoadHash(new RingHash(), { balanceFactor: c });
          const nodes = Array.from({ length: n }, (_, i) => `n${i}`);
          for (const node of nodes) lb.addNode(node);
          const held: string[] = [];
          for (const op of ops) {
            if ('acquire' in op) {
              const cap = lb.capacityOf(lb.getNode(op.acquire));
              const node = lb.acquire(op.acquire);
              expect(lb.loadOf(node)).toBeLessThanOrEqual(cap);
              held.push(node);
            } else if (held.length > 0) {
              const [node] = held.splice(op.release % held.length, 1);
              expect(lb.release(node as string)).toBe(true);
            }
            const loads = nodes.map((x) => lb.loadOf(x));
            expect(loads.reduce((a, b) => a + b, 0)).toBe(lb.totalLoad);
          }
        },
      ),
    );
  });

  it('ends with peak ≤ ⌈1.25 × mean⌉ after 100,000 keys on 100 nodes (ring and multi-probe inside)', () => {
    for (const inner of [new RingHash(), new MultiProbeHash()]) {
      const lb = new BoundedLoadHash(inner);
      for (let i = 0; i < 100; i++) lb.addNode(`n${i}`);
      for (let i = 0; i < 100_000; i++) lb.acquire(`key:${i}`);
      const peak = Math.max(...lb.nodes().map((x) => lb.loadOf(x)));
      expect(peak).toBeLessThanOrEqual(Math.ceil(1.25 * 1000));
    }
  });

  it('behaves exactly like the inner algorithm while nothing is acquired, and forgets a removed node’s load', () => {
    const inner = new RingHash();
    const lb = new BoundedLoadHash(inner);
    for (const n of ['a', 'b', 'c']) lb.addNode(n);
    for (let i = 0; i < 200; i++) expect(lb.getNode(`k${i}`)).toBe(inner.getNode(`k${i}`));
    const node = lb.acquire('x');
    lb.acquire('y');
    const held = lb.loadOf(node);
    expect(lb.totalLoad).toBe(2);
    lb.removeNode(node);
    expect(lb.totalLoad).toBe(2 - held);
    expect(lb.loadOf(node)).toBe(0);
    expect(lb.release(node)).toBe(false);
    expect(() => new BoundedLoadHash(new RingHash(), { balanceFactor: 0.5 })).toThrow(RangeError);
  });
});
