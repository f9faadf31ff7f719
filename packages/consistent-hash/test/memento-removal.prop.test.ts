import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MementoHash } from '../src/index.js';

const KEYS = Array.from({ length: 3000 }, (_, i) => `k${i}`);

describe('MementoHash arbitrary removals', { timeout: 60_000 }, () => {
  it('removing any nodes then adding them back in reverse order restores every key’s owner', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), (n, picks) => {
        const m = new MementoHash();
        for (let i = 0; i < n; i++) m.addNode(`n${i}`);
        const start = KEYS.map((k) => m.getNode(k));
        const removed: string[] = [];
        for (const p of picks) {
          if (m.size === 1) break;
          const victim = m.nodes()[p % m.size] as string;
          m.removeNode(victim);
          removed.push(victim);
        }
        // the restored node takes the most recently freed bucket, so re-adding in reverse restores the state
        for (const node of removed.reverse()) m.addNode(node);
        expect(KEYS.map((k) => m.getNode(k))).toEqual(start);
      }),
      { numRuns: 60 },
    );
  });

  it('spreads a removed node’s keys evenly over the survivors', () => {
    const m = new MementoHash();
    for (let i = 0; i < 10; i++) m.addNode(`n${i}`);
    for (const victim of ['n2', 'n5', 'n7']) m.removeNode(victim);
    const counts = new Map<string, number>();
    for (let i = 0; i < 70_000; i++) {
      const o = m.getNode(`key-${i}`);
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    expect(counts.size).toBe(7);
    for (const c of counts.values()) expect(Math.abs(c - 10_000) / 10_000).toBeLessThan(0.06);
  });
});
