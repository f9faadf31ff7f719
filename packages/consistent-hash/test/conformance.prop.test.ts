import { isScalingError } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConsistentHash } from '../src/index.js';
import { churnCommands, KEYS, owners } from './_churn.js';
import { implementations } from './_implementations.js';

const nodeName = fc.string({ unit: 'grapheme', maxLength: 12 });
const nodeSet = (min: number, max: number) => fc.uniqueArray(nodeName, { minLength: min, maxLength: max });

function build(create: () => ConsistentHash, nodes: readonly string[], weights?: readonly number[]): ConsistentHash {
  const h = create();
  for (const [i, n] of nodes.entries()) h.addNode(n, weights?.[i] ?? 1);
  return h;
}

/** Peak-to-mean of key counts over the nodes. */
function peakToMean(h: ConsistentHash, keys: number): number {
  const counts = new Map<string, number>(h.nodes().map((n) => [n, 0]));
  for (let i = 0; i < keys; i++) {
    const n = h.getNode(`k${i}`);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return Math.max(...counts.values()) / (keys / h.size);
}

for (const impl of implementations) {
  describe(`${impl.name} conforms to ConsistentHash`, { timeout: 60_000 }, () => {
    it('throws ERR_NO_NODES from getNode and returns [] from getNodes when empty, also after removing the last node', () => {
      const h = impl.create();
      expect(() => h.getNode('x')).toThrow(expect.objectContaining({ code: 'ERR_NO_NODES' }));
      expect(h.getNodes('x', 3)).toEqual([]);
      h.addNode('only');
      expect(h.getNode('')).toBe('only');
      expect(h.removeNode('only')).toBe(true);
      expect(h.size).toBe(0);
      expect(() => h.getNode('x')).toThrow(expect.objectContaining({ code: 'ERR_NO_NODES' }));
    });

    it('rejects a duplicate node with ERR_DUPLICATE_NODE and keeps one entry', () => {
      const h = build(impl.create, ['a', 'b']);
      let error: unknown;
      try {
        h.addNode('a');
      } catch (e) {
        error = e;
      }
      expect(isScalingError(error, 'ERR_DUPLICATE_NODE')).toBe(true);
      expect(h.size).toBe(2);
      expect(h.nodes().filter((n) => n === 'a')).toHaveLength(1);
    });

    it('validates weights and counts with RangeError/TypeError', () => {
      const h = impl.create();
      for (const w of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => h.addNode('n', w)).toThrow(RangeError);
      expect(() => h.addNode('n', '2' as unknown as number)).toThrow(TypeError);
      if (impl.weights === 'rejected') expect(() => h.addNode('n', 2)).toThrow(RangeError);
      else h.addNode('heavy', 2);
      expect(h.nodes()).not.toContain('n');
      h.addNode('m');
      expect(() => h.getNodes('k', -1)).toThrow(RangeError);
      expect(() => h.getNodes('k', 1.5)).toThrow(RangeError);
      expect(h.removeNode('not-there')).toBe(false);
    });

    it('accepts node names of any length, including empty and very long ones', () => {
      const long = 'x'.repeat(10_000);
      const h = build(impl.create, ['', long, 'é日本😀']);
      const seen = new Set(owners(h));
      for (const n of seen) expect(['', long, 'é日本😀']).toContain(n);
      expect(seen.size).toBe(3);
    });

    it('places a string key and its UTF-8 bytes on the same node', () => {
      const h = build(impl.create, ['a', 'b', 'c', 'd']);
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme' }), (k) => {
          expect(h.getNode(new TextEncoder().encode(k))).toBe(h.getNode(k));
        }),
      );
    });

    it('getNode always returns a live node; getNodes returns min(count, size) distinct nodes, prefix-consistent', () => {
      fc.assert(
        fc.property(nodeSet(1, 12), fc.string(), fc.nat(14), (nodes, key, count) => {
          const h = build(impl.create, nodes);
          const owner = h.getNode(key);
          expect(nodes).toContain(owner);
          const all = h.getNodes(key, nodes.length + 2);
          expect(all).toHaveLength(nodes.length);
          expect(new Set(all).size).toBe(all.length);
          expect(all[0]).toBe(owner);
          const some = h.getNodes(key, count);
          expect(some).toHaveLength(Math.min(count, nodes.length));
          expect(some).toEqual(all.slice(0, some.length));
        }),
      );
    });

    it('two instances built the same way agree on every key and every fallback list', () => {
      fc.assert(
        fc.property(nodeSet(1, 10), (nodes) => {
          const a = build(impl.create, nodes);
          const b = build(impl.create, nodes);
          expect(owners(a)).toEqual(owners(b));
          for (const k of KEYS.slice(0, 50)) expect(a.getNodes(k, 3)).toEqual(b.getNodes(k, 3));
        }),
        { numRuns: 30 },
      );
    });

    if (impl.orderIndependent) {
      it('gives identical lookups for the same (node, weight) set in any insertion order', () => {
        const weight = impl.weights === 'proportional' ? fc.integer({ min: 1, max: 4 }) : fc.constant(1);
        fc.assert(
          fc.property(
            nodeSet(1, 10).chain((nodes) =>
              fc.tuple(fc.constant(nodes), fc.array(weight, { minLength: nodes.length, maxLength: nodes.length })),
            ),
            fc.nat(),
            ([nodes, weights], seed) => {
              const order = nodes.map((_, i) => i);
              // a permutation from the generated seed
              let s = seed;
              for (let i = order.length - 1; i > 0; i--) {
                s = (Math.imul(s, 1103515245) + 12345) >>> 0;
                const j = s % (i + 1);
                [order[i], order[j]] = [order[j] as number, order[i] as number];
              }
              const a = build(impl.create, nodes, weights);
              const b = build(
                impl.create,
                order.map((i) => nodes[i] as string),
                order.map((i) => weights[i] as number),
              );
              expect(owners(b)).toEqual(owners(a));
              for (const k of KEYS.slice(0, 30)) expect(b.getNodes(k, 3)).toEqual(a.getNodes(k, 3));
            },
          ),
          { numRuns: 40 },
        );
      });
    }

    it(
      impl.disruption === 'minimal'
        ? 'moves keys only to an added node and only from a removed node'
        : `moves at most ${(impl.disruption as number) * 100} % of keys between unaffected nodes on add/remove (documented extra disruption)`,
      () => {
        fc.assert(
          fc.property(nodeSet(3, 10), nodeName, fc.nat(), (nodes, extra, pick) => {
            fc.pre(!nodes.includes(extra));
            const h = build(impl.create, nodes);
            const before = owners(h);
            h.addNode(extra);
            const afterAdd = owners(h);
            let strayAdd = 0;
            for (let i = 0; i < KEYS.length; i++) if (afterAdd[i] !== before[i] && afterAdd[i] !== extra) strayAdd++;
            const victim = impl.removal === 'last' ? extra : (h.nodes()[pick % h.size] as string);
            h.removeNode(victim);
            const afterRemove = owners(h);
            let strayRemove = 0;
            for (let i = 0; i < KEYS.length; i++) if (afterRemove[i] !== afterAdd[i] && afterAdd[i] !== victim) strayRemove++;
            const allowed = impl.disruption === 'minimal' ? 0 : Math.floor(impl.disruption * KEYS.length);
            expect(strayAdd).toBeLessThanOrEqual(allowed);
            expect(strayRemove).toBeLessThanOrEqual(allowed);
          }),
          { numRuns: 50 },
        );
      },
    );

    it(`keeps 10 equal nodes within a peak-to-mean of ${impl.balance} over 20,000 keys`, () => {
      const h = build(
        impl.create,
        Array.from({ length: 10 }, (_, i) => `node-${i}`),
      );
      expect(peakToMean(h, 20_000)).toBeLessThanOrEqual(impl.balance);
    });

    if (impl.weights === 'proportional') {
      it('gives each node a share proportional to its weight (±15 %), and a weight-0.001 node still owns keys', () => {
        const h = impl.create();
        h.addNode('w1', 1);
        h.addNode('w2', 2);
        h.addNode('w3', 3);
        h.addNode('tiny', 0.001);
        const counts = new Map<string, number>();
        const n = 60_000;
        for (let i = 0; i < n; i++) {
          const o = h.getNode(`k${i}`);
          counts.set(o, (counts.get(o) ?? 0) + 1);
        }
        for (const [node, w] of [
          ['w1', 1],
          ['w2', 2],
          ['w3', 3],
        ] as const) {
          const expected = (n * w) / 6.001;
          expect(Math.abs((counts.get(node) ?? 0) - expected) / expected).toBeLessThan(0.15);
        }
        // every node owns at least a point/entry: some key in its fallback lists
        expect(h.getNodes('k', 4)).toContain('tiny');
      });
    }

    it('keeps every invariant through random add/remove churn (model-based)', () => {
      fc.assert(
        fc.property(churnCommands(impl.removal, impl.disruption), (cmds) => {
          const real = impl.create();
          const model = { nodes: [] as string[] };
          fc.modelRun(() => ({ model, real }), cmds);
        }),
        { numRuns: 40 },
      );
    });
  });
}
