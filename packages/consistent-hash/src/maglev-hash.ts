import { xxHash32 } from '@scaling/core';
import { assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import { checkCount, checkNodeName, checkWeight, compareNames, duplicateNode, EpochMarks, noNodes } from './_shared.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';

/** Options of {@link MaglevHash}. */
export interface MaglevHashOptions {
  /** Lookup table size M, a prime ≥ the number of nodes; pick M ≥ 100 × nodes for ≤ 1 % imbalance. Default 65537. */
  tableSize?: number;
}

const OFFSET_SEED = 0x4d41474c;
const SKIP_SEED = 0x534b4950;
const EMPTY = 0xffffffff;

function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

/**
 * Maglev hashing (Eisenbud et al. 2016, "Maglev: A Fast and Reliable Software Network Load Balancer",
 * §3.4): every node walks its own permutation of a prime-sized table and the nodes take turns claiming
 * empty entries until the table is full; a key is owned by `table[hash(key) mod M]`. Lookups are one hash
 * and one array read, and each node owns ⌊M/n⌋ or ⌈M/n⌉ entries (peak-to-mean ≤ 1 + n/M).
 *
 * Weighted as Envoy does: a node with weight w takes a turn in w/max-weight of the rounds. Nodes are
 * sorted by name before filling, so the table depends only on the (node, weight) set, not on insertion
 * order. The table is rebuilt (O(M)) on every change.
 *
 * **Extra disruption.** Maglev trades minimal disruption for balance: when a node joins or leaves, besides
 * the keys that must move, a small fraction of keys moves between unaffected nodes (the paper measures a
 * few percent of entries). Measured for this build with a 4,099-entry table and 3–10 nodes: about 1 % of
 * keys on average, under 5 % at p99, with a long tail for very small node sets (a 3 → 4 node change was
 * seen moving 15 %). Use a removal-tolerant algorithm (`MementoHash`) where that matters.
 *
 * @throws {RangeError} from the constructor when `tableSize` is not a prime; from `addNode` when the table
 * would have fewer entries than nodes.
 * @example
 * ```ts
 * import { MaglevHash } from '@scaling/consistent-hash';
 * const maglev = new MaglevHash({ tableSize: 65537 });
 * maglev.addNode('backend-a');
 * maglev.addNode('backend-b');
 * maglev.getNode('10.1.2.3:5555'); // one array read after one hash
 * ```
 */
export class MaglevHash implements ConsistentHash {
  readonly #m: number;
  readonly #weightOf = new Map<string, number>();
  #sorted: string[] = [];
  #table: Uint32Array;
  readonly #marks = new EpochMarks();
  /** the table is rebuilt at the first lookup after a change, so adding many nodes costs one build */
  #dirty = false;

  constructor(options: MaglevHashOptions = {}) {
    assertOptions('MaglevHash options', options, ['tableSize'], {
      table_size: 'use `tableSize` (a prime)',
      size: 'use `tableSize` (a prime)',
      M: 'use `tableSize` (a prime)',
      m: 'use `tableSize` (a prime)',
    });
    const m = options.tableSize ?? 65537;
    assertPositiveInteger('tableSize', m);
    if (!isPrime(m) || m < 3) throw new RangeError(`Expected \`tableSize\` to be a prime ≥ 3, got ${m}`);
    this.#m = m;
    this.#table = new Uint32Array(0);
  }

  /** Number of nodes. */
  get size(): number {
    return this.#weightOf.size;
  }

  /** The table size M. */
  get tableSize(): number {
    return this.#m;
  }

  /** Node names, sorted. */
  nodes(): string[] {
    if (this.#dirty) this.#rebuild();
    return this.#sorted.slice();
  }

  /** Table entries owned by each node (a fresh Map), for balance checks. */
  entriesPerNode(): Map<string, number> {
    if (this.#dirty) this.#rebuild();
    const counts = new Map<string, number>(this.#sorted.map((n) => [n, 0]));
    for (const i of this.#table) {
      const name = this.#sorted[i] as string;
      counts.set(name, (counts.get(name) as number) + 1);
    }
    return counts;
  }

  /**
   * Adds `node` with `weight` (default 1) and rebuilds the table.
   * @throws {ScalingError} `ERR_DUPLICATE_NODE`; {@link RangeError} for a bad weight or a full table.
   */
  addNode(node: string, weight = 1): void {
    checkNodeName(node);
    checkWeight(weight, 'MaglevHash', true);
    if (this.#weightOf.has(node)) throw duplicateNode(node);
    if (this.#weightOf.size >= this.#m)
      throw new RangeError(`Expected at most \`tableSize\` (${this.#m}) nodes, got ${this.#weightOf.size + 1}`);
    this.#weightOf.set(node, weight);
    this.#dirty = true;
  }

  /** Removes `node` and rebuilds the table; false when absent. */
  removeNode(node: string): boolean {
    if (!this.#weightOf.delete(node)) return false;
    this.#dirty = true;
    return true;
  }

  /**
   * `table[xxHash32(key) mod M]`.
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  getNode(key: HashKey): string {
    if (this.#dirty) this.#rebuild();
    const table = this.#table;
    if (table.length === 0) throw noNodes();
    return this.#sorted[table[xxHash32(key) % this.#m] as number] as string;
  }

  /** The owner, then the distinct owners of the following table entries. */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    if (this.#dirty) this.#rebuild();
    const out: string[] = [];
    const table = this.#table;
    const m = this.#m;
    if (table.length === 0 || count === 0) return out;
    const want = Math.min(count, this.#sorted.length);
    const epoch = this.#marks.next();
    const seen = this.#marks.seen;
    let p = xxHash32(key) % m;
    for (let k = 0; k < m && out.length < want; k++) {
      const i = table[p] as number;
      if (seen[i] !== epoch) {
        seen[i] = epoch;
        out.push(this.#sorted[i] as string);
      }
      if (++p === m) p = 0;
    }
    return out;
  }

  #rebuild(): void {
    this.#dirty = false;
    const names = [...this.#weightOf.keys()].sort(compareNames);
    const n = names.length;
    this.#sorted = names;
    this.#marks.ensure(n);
    if (n === 0) {
      this.#table = new Uint32Array(0);
      return;
    }
    const m = this.#m;
    const pos = new Uint32Array(n); // each node's current place in its permutation (offset + j·skip mod M)
    const skip = new Uint32Array(n);
    const w = new Float64Array(n);
    const target = new Float64Array(n);
    let maxW = 0;
    for (let i = 0; i < n; i++) {
      const name = names[i] as string;
      pos[i] = xxHash32(name, OFFSET_SEED) % m;
      skip[i] = (xxHash32(name, SKIP_SEED) % (m - 1)) + 1;
      w[i] = this.#weightOf.get(name) as number;
      if ((w[i] as number) > maxW) maxW = w[i] as number;
    }
    for (let i = 0; i < n; i++) w[i] = (w[i] as number) / maxW;
    const table = new Uint32Array(m).fill(EMPTY);
    let filled = 0;
    for (let round = 1; filled < m; round++) {
      for (let i = 0; i < n && filled < m; i++) {
        // a node of relative weight w takes a turn in a fraction w of the rounds
        if (round * (w[i] as number) < (target[i] as number)) continue;
        target[i] = (target[i] as number) + 1;
        const s = skip[i] as number;
        let c = pos[i] as number;
        while (table[c] !== EMPTY) {
          c += s;
          if (c >= m) c -= m;
        }
        table[c] = i;
        c += s;
        pos[i] = c >= m ? c - m : c;
        filled++;
      }
    }
    this.#table = table;
  }
}
