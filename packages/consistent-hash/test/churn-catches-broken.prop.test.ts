import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConsistentHash, RingHash } from '../src/index.js';
import { churnCommands } from './_churn.js';

/** Broken on purpose: `hash(key) mod n` over the sorted node list — balanced, but most keys move on any change. */
class ModuloHash implements ConsistentHash {
  #nodes: string[] = [];
  get size() {
    return this.#nodes.length;
  }
  nodes() {
    return this.#nodes.slice();
  }
  addNode(node: string) {
    this.#nodes.push(node);
    this.#nodes.sort();
  }
  removeNode(node: string) {
    const i = this.#nodes.indexOf(node);
    if (i < 0) return false;
    this.#nodes.splice(i, 1);
    return true;
  }
  getNode(key: string | Uint8Array) {
    let h = 0;
    for (const c of String(key)) h = (Math.imul(h, 31) + (c.codePointAt(0) as number)) >>> 0;
    return this.#nodes[h % this.#nodes.length] as string;
  }
  getNodes(key: string | Uint8Array, count: number) {
    return count > 0 && this.size > 0 ? [this.getNode(key)] : [];
  }
}

/** Broken on purpose: forgets to take a removed node's points off the ring, so it keeps answering with it. */
class LeakyRing extends RingHash {
  readonly #gone = new Set<string>();
  override nodes() {
    return super.nodes().filter((n) => !this.#gone.has(n));
  }
  override get size() {
    return super.size - this.#gone.size;
  }
  override removeNode(node: string) {
    if (this.#gone.has(node) || !super.nodes().includes(node)) return false;
    this.#gone.add(node);
    return true;
  }
  override addNode(node: string, weight?: number) {
    if (this.#gone.delete(node)) return;
    super.addNode(node, weight);
  }
}

function churnFails(create: () => ConsistentHash): boolean {
  const result = fc.check(
    fc.property(churnCommands('any', 'minimal'), (cmds) => {
      fc.modelRun(() => ({ model: { nodes: [] as string[] }, real: create() }), cmds);
    }),
    { numRuns: 200 },
  );
  return result.failed;
}

describe('the churn model-based test catches broken implementations', { timeout: 60_000 }, () => {
  it('fails for hash-mod-n placement (keys move between unaffected nodes)', () => {
    expect(churnFails(() => new ModuloHash())).toBe(true);
  });

  it('fails for a ring that keeps a removed node’s points (dead node returned)', () => {
    expect(churnFails(() => new LeakyRing())).toBe(true);
  });

  it('passes for the real ring', () => {
    expect(churnFails(() => new RingHash())).toBe(false);
  });
});
