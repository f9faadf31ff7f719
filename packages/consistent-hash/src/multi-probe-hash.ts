import { xxHash32, xxHash64 } from '@scaling/core';
import { assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import { lowerBound } from './_search.js';
import { checkCount, checkNodeName, checkWeight, compareNames, duplicateNode, EpochMarks, noNodes } from './_shared.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';

/** Options of {@link MultiProbeHash}. */
export interface MultiProbeHashOptions {
  /** Probes per lookup; more probes, better balance (21 gives a peak-to-mean near 1.05), slower lookups. Default 21. */
  probes?: number;
}

const NODE_SEED = 0x4d50524f;

/**
 * Multi-probe consistent hashing (Appleton & O'Reilly 2015, "Multi-probe consistent hashing"): one point per
 * node on a 32-bit ring; a key is hashed `probes` times (double hashing `h1 + i·h2` from one xxHash64) and
 * goes to the node whose point follows any probe most closely. Memory is one point per node and balance
 * approaches that of hundreds of virtual nodes. Equal distances go to the smaller name; the result never
 * depends on insertion order. Unweighted: `weight` must be 1.
 *
 * `getNodes(key, k)` merges the probes' clockwise walks by distance: nodes in order of their smallest
 * distance from any probe.
 *
 * @example
 * ```ts
 * import { MultiProbeHash } from '@scaling/consistent-hash';
 * const mp = new MultiProbeHash({ probes: 21 });
 * for (const n of ['a', 'b', 'c']) mp.addNode(n);
 * mp.getNode('user:1');
 * ```
 */
export class MultiProbeHash implements ConsistentHash {
  readonly #probes: number;
  readonly #slotOf = new Map<string, number>();
  readonly #names: string[] = [];
  readonly #free: number[] = [];
  readonly #key = new Uint32Array(2);
  #points = new Uint32Array(0);
  #owners = new Uint32Array(0);
  readonly #cursor: Int32Array;
  readonly #steps: Int32Array;
  readonly #dist: Float64Array;
  readonly #probe: Uint32Array;
  readonly #marks = new EpochMarks();

  constructor(options: MultiProbeHashOptions = {}) {
    assertOptions('MultiProbeHash options', options, ['probes'], {
      k: 'use `probes`',
      numProbes: 'use `probes`',
      hashCount: 'use `probes`',
    });
    const probes = options.probes ?? 21;
    assertPositiveInteger('probes', probes);
    this.#probes = probes;
    this.#cursor = new Int32Array(probes);
    this.#steps = new Int32Array(probes);
    this.#dist = new Float64Array(probes);
    this.#probe = new Uint32Array(probes);
  }

  /** Number of nodes. */
  get size(): number {
    return this.#slotOf.size;
  }

  /** Node names (a fresh array). */
  nodes(): string[] {
    return [...this.#slotOf.keys()];
  }

  /**
   * Adds `node` (one point on the ring).
   * @throws {ScalingError} `ERR_DUPLICATE_NODE`; {@link RangeError} when `weight` is not 1.
   */
  addNode(node: string, weight = 1): void {
    checkNodeName(node);
    checkWeight(weight, 'MultiProbeHash', false);
    if (this.#slotOf.has(node)) throw duplicateNode(node);
    const slot = this.#free.length > 0 ? (this.#free.pop() as number) : this.#names.length;
    this.#slotOf.set(node, slot);
    this.#names[slot] = node;
    this.#marks.ensure(this.#names.length);
    const p = xxHash32(node, NODE_SEED);
    const pts = this.#points;
    const own = this.#owners;
    let at = 0;
    while (
      at < pts.length &&
      ((pts[at] as number) < p || ((pts[at] as number) === p && compareNames(this.#names[own[at] as number] as string, node) < 0))
    )
      at++;
    const np = new Uint32Array(pts.length + 1);
    const no = new Uint32Array(pts.length + 1);
    np.set(pts.subarray(0, at));
    no.set(own.subarray(0, at));
    np[at] = p;
    no[at] = slot;
    np.set(pts.subarray(at), at + 1);
    no.set(own.subarray(at), at + 1);
    this.#points = np;
    this.#owners = no;
  }

  /** Removes `node`; false when absent. */
  removeNode(node: string): boolean {
    const slot = this.#slotOf.get(node);
    if (slot === undefined) return false;
    this.#slotOf.delete(node);
    this.#names[slot] = '';
    this.#free.push(slot);
    const at = this.#owners.indexOf(slot);
    const np = new Uint32Array(this.#points.length - 1);
    const no = new Uint32Array(this.#points.length - 1);
    np.set(this.#points.subarray(0, at));
    no.set(this.#owners.subarray(0, at));
    np.set(this.#points.subarray(at + 1), at);
    no.set(this.#owners.subarray(at + 1), at);
    this.#points = np;
    this.#owners = no;
    return true;
  }

  /**
   * The node closest clockwise to any of the key's probes.
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  getNode(key: HashKey): string {
    const pts = this.#points;
    const n = pts.length;
    if (n === 0) throw noNodes();
    const k = xxHash64(key, this.#key);
    const h1 = k[1] as number;
    const h2 = k[0] as number;
    const own = this.#owners;
    const names = this.#names;
    let best = 0;
    let bestD = 4294967296;
    for (let i = 0; i < this.#probes; i++) {
      const p = (h1 + Math.imul(i, h2)) >>> 0;
      let lo = lowerBound(pts, 0, n, p);
      if (lo === n) lo = 0;
      const d = ((pts[lo] as number) - p) >>> 0;
      if (
        d < bestD ||
        (d === bestD && lo !== best && compareNames(names[own[lo] as number] as string, names[own[best] as number] as string) < 0)
      ) {
        bestD = d;
        best = lo;
      }
    }
    return names[own[best] as number] as string;
  }

  /** Nodes in order of their smallest clockwise distance from any probe, `min(count, size)` of them. */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    const out: string[] = [];
    const pts = this.#points;
    const n = pts.length;
    if (n === 0 || count === 0) return out;
    const want = Math.min(count, n);
    const k = xxHash64(key, this.#key);
    const h1 = k[1] as number;
    const h2 = k[0] as number;
    const probes = this.#probes;
    const cursor = this.#cursor;
    const steps = this.#steps;
    const dist = this.#dist;
    const probe = this.#probe;
    for (let i = 0; i < probes; i++) {
      const p = (h1 + Math.imul(i, h2)) >>> 0;
      let lo = lowerBound(pts, 0, n, p);
      if (lo === n) lo = 0;
      probe[i] = p;
      cursor[i] = lo;
      steps[i] = 0;
      dist[i] = ((pts[lo] as number) - p) >>> 0;
    }
    const epoch = this.#marks.next();
    const seen = this.#marks.seen;
    const own = this.#owners;
    const names = this.#names;
    while (out.length < want) {
      let b = -1;
      for (let i = 0; i < probes; i++) {
        if (steps[i] === n) continue;
        if (
          b < 0 ||
          (dist[i] as number) < (dist[b] as number) ||
          ((dist[i] as number) === (dist[b] as number) &&
            compareNames(names[own[cursor[i] as number] as number] as string, names[own[cursor[b] as number] as number] as string) < 0)
        )
          b = i;
      }
      const slot = own[cursor[b] as number] as number;
      if (seen[slot] !== epoch) {
        seen[slot] = epoch;
        out.push(names[slot] as string);
      }
      steps[b] = (steps[b] as number) + 1;
      let c = (cursor[b] as number) + 1;
      if (c === n) c = 0;
      cursor[b] = c;
      dist[b] = (steps[b] as number) === n ? Number.POSITIVE_INFINITY : ((pts[c] as number) - (probe[b] as number)) >>> 0;
    }
    return out;
  }
}
