// A small weighted rendezvous (HRW) hash for tests: enough of @scaling/consistent-hash's interface to
// drive ConsistentHashing without depending on that package.
import { ScalingError, xxHash32 } from '@scaling/core';
import type { BalancerHash } from '../src/index.js';

export class TestRendezvous implements BalancerHash {
  readonly #nodes = new Map<string, number>();
  #seeds = new Map<string, number>();

  get size(): number {
    return this.#nodes.size;
  }

  addNode(node: string, weight = 1): void {
    if (this.#nodes.has(node)) throw new ScalingError('ERR_DUPLICATE_NODE', node);
    this.#nodes.set(node, weight);
    this.#seeds.set(node, xxHash32(node));
  }

  removeNode(node: string): boolean {
    this.#seeds.delete(node);
    return this.#nodes.delete(node);
  }

  #score(key: string | Uint8Array, node: string, weight: number): number {
    const h = (xxHash32(key, this.#seeds.get(node)) + 0.5) / 4294967296;
    return -weight / Math.log(h);
  }

  getNode(key: string | Uint8Array): string {
    let best = '';
    let bestScore = -1;
    for (const [node, w] of this.#nodes) {
      const s = this.#score(key, node, w);
      if (s > bestScore) {
        bestScore = s;
        best = node;
      }
    }
    if (bestScore < 0) throw new ScalingError('ERR_NO_NODES', 'empty');
    return best;
  }

  getNodes(key: string | Uint8Array, count: number): string[] {
    return [...this.#nodes]
      .map(([node, w]) => [node, this.#score(key, node, w)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([node]) => node);
  }
}
