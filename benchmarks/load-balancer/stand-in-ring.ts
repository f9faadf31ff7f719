// A minimal vnode ring (xxHash32 points, binary search) standing in for @scaling/consistent-hash's RingHash
// until that package is on main, so ConsistentHashing's pick cost (key hashing included) can be measured.
import { ScalingError, xxHash32 } from '@scaling/core';
import type { ConsistentHashLike } from '@scaling/load-balancer';

export class StandInRing implements ConsistentHashLike {
  #nodes: string[] = [];
  #weights: number[] = [];
  #points = new Uint32Array(0);
  #owners = new Int32Array(0);
  constructor(readonly vnodes = 160) {}

  addNode(node: string, weight = 1): void {
    if (this.#nodes.includes(node)) throw new ScalingError('ERR_DUPLICATE_NODE', node);
    this.#nodes.push(node);
    this.#weights.push(weight);
    this.#build();
  }

  removeNode(node: string): boolean {
    const i = this.#nodes.indexOf(node);
    if (i < 0) return false;
    this.#nodes.splice(i, 1);
    this.#weights.splice(i, 1);
    this.#build();
    return true;
  }

  #build(): void {
    const pts: Array<[number, number]> = [];
    this.#nodes.forEach((node, i) => {
      const count = Math.round(this.vnodes * (this.#weights[i] as number));
      for (let v = 0; v < count; v++) pts.push([xxHash32(`${node}#${v}`), i]);
    });
    pts.sort((a, b) => a[0] - b[0]);
    this.#points = Uint32Array.from(pts, (p) => p[0]);
    this.#owners = Int32Array.from(pts, (p) => p[1]);
  }

  #first(key: string | Uint8Array): number {
    const h = xxHash32(key);
    const pts = this.#points;
    let lo = 0;
    let hi = pts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((pts[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === pts.length ? 0 : lo;
  }

  getNode(key: string | Uint8Array): string {
    if (this.#points.length === 0) throw new ScalingError('ERR_NO_NODES', 'empty ring');
    return this.#nodes[this.#owners[this.#first(key)] as number] as string;
  }

  getNodes(key: string | Uint8Array, count: number): string[] {
    const out: string[] = [];
    const n = this.#points.length;
    if (n === 0) return out;
    let i = this.#first(key);
    for (let k = 0; k < n && out.length < Math.min(count, this.#nodes.length); k++) {
      const node = this.#nodes[this.#owners[i] as number] as string;
      if (!out.includes(node)) out.push(node);
      if (++i === n) i = 0;
    }
    return out;
  }
}
