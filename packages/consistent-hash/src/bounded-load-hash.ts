import { assertOptions, describeValue } from '@scaling/core/internal';
import { checkCount, checkNodeName, checkWeight, noNodes } from './_shared.js';
import { assertBalanceFactor, boundedLoadCap, DEFAULT_BALANCE_FACTOR } from './bounded-load.js';
import type { ConsistentHash, HashKey } from './consistent-hash.js';

/** A {@link BoundedLoadHash}'s `stats()` snapshot (the monitoring convention of `@scaling/core`). */
export interface BoundedLoadHashStats {
  /** Nodes (gauge). */
  readonly size: number;
  /** Keys acquired and not yet released, over all nodes (gauge). */
  readonly active: number;
  /** `acquire` calls that placed a key (counter). */
  readonly acquires: number;
  /** `release` calls that uncounted a key (counter). */
  readonly releases: number;
  /** Acquired keys placed past their first choice because it was at its cap (counter). */
  readonly spills: number;
}

/** Options of {@link BoundedLoadHash}. */
export interface BoundedLoadHashOptions {
  /** c ≥ 1: no node holds more than ⌈c × average load⌉ (weighted: ⌈c × total × w / W⌉). Default 1.25. */
  balanceFactor?: number;
}

const BOUNDED_HINTS = {
  hash_balance_factor: 'use `balanceFactor` as a ratio (Envoy/HAProxy 125 → 1.25)',
  hashBalanceFactor: 'use `balanceFactor` as a ratio (125 → 1.25)',
  c: 'use `balanceFactor`',
  epsilon: 'use `balanceFactor` = 1 + ε',
};

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam 2018, "Consistent Hashing with
 * Bounded Loads", as used by Vimeo and HAProxy): a wrapper over any {@link ConsistentHash} that tracks how
 * many keys each node holds and never lets a node exceed `⌈balanceFactor × (load + 1) / nodes⌉` (scaled by
 * weight for weighted nodes). A key goes to the first node in the inner algorithm's preference order
 * (`inner.getNodes`) that is under its cap.
 *
 * `acquire(key)` picks a node and counts the key against it; `release(node)` uncounts one. `getNode(key)`
 * answers where `acquire` would place the key now, without counting it. With no keys acquired the wrapper
 * behaves exactly like the inner algorithm. Add and remove nodes through the wrapper (it forwards them);
 * nodes already in `inner` count with weight 1.
 *
 * @throws {RangeError} from the constructor when `balanceFactor` is not a number in [1, 1e6].
 * @example
 * ```ts
 * import { BoundedLoadHash, RingHash } from '@scaling/consistent-hash';
 * const lb = new BoundedLoadHash(new RingHash(), { balanceFactor: 1.25 });
 * for (const n of ['w1', 'w2', 'w3']) lb.addNode(n);
 * const worker = lb.acquire('conn:77'); // counted
 * lb.release(worker);
 * ```
 */
export class BoundedLoadHash implements ConsistentHash {
  readonly #inner: ConsistentHash;
  readonly #factor: number;
  readonly #load = new Map<string, number>();
  readonly #weight = new Map<string, number>();
  #total = 0;
  #totalWeight = 0;
  #acquires = 0;
  #releases = 0;
  #spills = 0;

  constructor(inner: ConsistentHash, options: BoundedLoadHashOptions = {}) {
    if (typeof inner !== 'object' || inner === null || typeof inner.getNodes !== 'function')
      throw new TypeError(`Expected \`inner\` to be a ConsistentHash, got ${describeValue(inner)}`);
    assertOptions('BoundedLoadHash options', options, ['balanceFactor'], BOUNDED_HINTS);
    const factor = options.balanceFactor ?? DEFAULT_BALANCE_FACTOR;
    assertBalanceFactor('balanceFactor', factor);
    this.#inner = inner;
    this.#factor = factor;
    for (const n of inner.nodes()) {
      this.#load.set(n, 0);
      this.#weight.set(n, 1);
      this.#totalWeight += 1;
    }
  }

  /** Number of nodes. */
  get size(): number {
    return this.#inner.size;
  }

  /** The balance factor c. */
  get balanceFactor(): number {
    return this.#factor;
  }

  /** Keys currently acquired, over all nodes. */
  get totalLoad(): number {
    return this.#total;
  }

  /** Node names, as the inner algorithm lists them. */
  nodes(): readonly string[] {
    return this.#inner.nodes();
  }

  /** Keys currently counted against `node` (0 when absent). */
  loadOf(node: string): number {
    return this.#load.get(node) ?? 0;
  }

  /** The most keys `node` may hold once one more key is acquired: ⌈c × (total + 1) × w / W⌉ (≥ 1). */
  capacityOf(node: string): number {
    const w = this.#weight.get(node);
    if (w === undefined) return 0;
    return boundedLoadCap(this.#factor, this.#total, w, this.#totalWeight);
  }

  /**
   * Adds `node` to the inner algorithm with load 0.
   * @throws whatever the inner algorithm throws (`ERR_DUPLICATE_NODE`, `RangeError`).
   */
  addNode(node: string, weight = 1): void {
    checkNodeName(node);
    checkWeight(weight, 'BoundedLoadHash', true);
    this.#inner.addNode(node, weight);
    this.#load.set(node, 0);
    this.#weight.set(node, weight);
    this.#totalWeight += weight;
  }

  /** Removes `node` and forgets its load (its keys are no longer counted); false when absent. */
  removeNode(node: string): boolean {
    if (!this.#inner.removeNode(node)) return false;
    this.#total -= this.#load.get(node) ?? 0;
    this.#totalWeight -= this.#weight.get(node) ?? 0;
    this.#load.delete(node);
    this.#weight.delete(node);
    if (this.#load.size === 0) this.#totalWeight = 0;
    return true;
  }

  /**
   * Where `acquire(key)` would place the key now: the inner owner if it is under its cap, else the first node
   * under its cap in the inner preference order.
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  getNode(key: HashKey): string {
    const first = this.#inner.getNode(key);
    return (this.#load.get(first) as number) < this.capacityOf(first) ? first : this.#walk(key, first);
  }

  /** The first node under its cap in the inner preference order of `key` (whose first choice is full). */
  #walk(key: HashKey, first: string): string {
    const order = this.#inner.getNodes(key, this.#inner.size);
    for (const n of order) if ((this.#load.get(n) as number) < this.capacityOf(n)) return n;
    return first; // unreachable: the caps sum to more than the total load
  }

  /** Nodes under their cap in inner preference order, then the full ones in the same order. */
  getNodes(key: HashKey, count: number): string[] {
    checkCount(count);
    if (this.#inner.size === 0 || count === 0) return [];
    const order = this.#inner.getNodes(key, this.#inner.size);
    const open: string[] = [];
    const full: string[] = [];
    for (const n of order) ((this.#load.get(n) as number) < this.capacityOf(n) ? open : full).push(n);
    return open.concat(full).slice(0, Math.min(count, order.length));
  }

  /**
   * Places `key` (as {@link BoundedLoadHash.getNode}) and counts it against the chosen node.
   * @throws {ScalingError} `ERR_NO_NODES` when empty.
   */
  acquire(key: HashKey): string {
    if (this.#inner.size === 0) throw noNodes();
    const first = this.#inner.getNode(key);
    let node = first;
    if ((this.#load.get(first) as number) >= this.capacityOf(first)) {
      node = this.#walk(key, first);
      this.#spills++;
    }
    this.#load.set(node, (this.#load.get(node) as number) + 1);
    this.#total++;
    this.#acquires++;
    return node;
  }

  /** Uncounts one key from `node`; false when the node is absent or holds no keys. */
  release(node: string): boolean {
    const load = this.#load.get(node);
    if (load === undefined || load === 0) return false;
    this.#load.set(node, load - 1);
    this.#total--;
    this.#releases++;
    return true;
  }

  /**
   * A snapshot of counters and gauges (a fresh object): nodes, keys held, acquires, releases, spills.
   * `acquires − releases` is the keys held, less those of removed nodes (forgotten with them).
   */
  stats(): BoundedLoadHashStats {
    return { size: this.#inner.size, active: this.#total, acquires: this.#acquires, releases: this.#releases, spills: this.#spills };
  }
}
