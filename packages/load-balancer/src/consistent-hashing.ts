import { RingHash } from '@scaling/consistent-hash';
import { assertInRange } from '@scaling/core/internal';
import { type BalancerOptions, excludeOf } from './_pool.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * The part of `@scaling/consistent-hash`'s `ConsistentHash` interface this strategy uses; every algorithm
 * of that package (`RingHash`, `JumpHash`, `RendezvousHash`, `MaglevHash`, `MultiProbeHash`, `MementoHash`)
 * fits, and so does any object with these four methods.
 */
export interface ConsistentHashLike {
  /** Adds a node; `weight` is the relative share of keys it should own. */
  addNode(node: string, weight?: number): void;
  /** Removes a node; returns whether it was present. */
  removeNode(node: string): boolean;
  /** The node owning `key`. */
  getNode(key: string | Uint8Array): string;
  /** The first `count` distinct nodes in `key`'s preference order (prefix-consistent). */
  getNodes(key: string | Uint8Array, count: number): string[];
}

/** Options of {@link ConsistentHashing}. */
export interface ConsistentHashingOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /**
   * The key → node mapping, empty (the balancer adds its endpoints with their weights), or a factory for
   * one, e.g. `() => new MaglevHash()` from `@scaling/consistent-hash`. Default: `new RingHash()` (160
   * vnodes per unit of weight, xxHash32; Envoy's default is a ring hash too).
   */
  hash?: ConsistentHashLike | (() => ConsistentHashLike);
  /**
   * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, SODA 2018): an endpoint may hold
   * at most ⌈balanceFactor × (active + 1) / eligible⌉ requests; a key whose owner is full walks on along its
   * preference order. `balanceFactor` ≥ 1, e.g. 1.25. Default: unbounded.
   */
  boundedLoad?: { balanceFactor: number };
}

/**
 * Consistent hashing: `pick({ key })` goes to the endpoint owning the key, so each backend sees a stable
 * share of keys (cache locality), and adding or removing an endpoint moves only its share. When the owner
 * is unhealthy (outside panic), excluded, or full under bounded loads, the key's next node in preference
 * order takes it (Envoy's ring-hash behaviour), which leaves every other key in place. A pick without a
 * key hashes a random one.
 *
 * Hot path: one key hash and lookup in the hash, one map lookup; the preference walk (which allocates the
 * node list) runs only when the owner cannot take the request.
 *
 * @example
 * ```ts
 * import { MaglevHash } from '@scaling/consistent-hash';
 * import { ConsistentHashing } from '@scaling/load-balancer';
 * const lb = new ConsistentHashing({ endpoints: [{ id: 'cache-1' }, { id: 'cache-2' }] }); // RingHash by default
 * const maglev = new ConsistentHashing({ hash: () => new MaglevHash(), endpoints: lb.endpoints });
 * const lease = lb.pick({ key: 'user:42' }); // the same endpoint for user:42 every time
 * lease.release();
 * ```
 */
export class ConsistentHashing<E extends Endpoint = Endpoint> extends BalancerBase<E> {
  readonly #hash: ConsistentHashLike;
  readonly #balanceFactor: number;
  readonly #scratch = new Uint8Array(4);

  /** @throws {TypeError}/{@link RangeError} on a bad option (a malformed `hash` included). */
  constructor(options: ConsistentHashingOptions<E> = {}) {
    super(options);
    const h = options.hash === undefined ? new RingHash() : typeof options.hash === 'function' ? options.hash() : options.hash;
    if (
      typeof h !== 'object' ||
      h === null ||
      typeof h.getNode !== 'function' ||
      typeof h.getNodes !== 'function' ||
      typeof h.addNode !== 'function' ||
      typeof h.removeNode !== 'function'
    )
      throw new TypeError('Expected `hash` to be a ConsistentHash (addNode, removeNode, getNode, getNodes) or a factory of one');
    this.#hash = h;
    if (options.boundedLoad !== undefined) {
      assertInRange('boundedLoad.balanceFactor', options.boundedLoad.balanceFactor, 1, Number.MAX_VALUE);
      this.#balanceFactor = options.boundedLoad.balanceFactor;
    } else this.#balanceFactor = Number.POSITIVE_INFINITY;
    const pool = this.pool;
    for (let p = 0; p < pool.n; p++) h.addNode(pool.ids[p] as string, pool.weight[p] as number);
  }

  /** Adds an endpoint to the balancer and the hash; see `LoadBalancer.add`. */
  override add(endpoint: E): void {
    this.pool.add(endpoint);
    try {
      this.#hash.addNode(endpoint.id, endpoint.weight ?? 1);
    } catch (e) {
      this.pool.remove(endpoint.id);
      throw e;
    }
  }

  /** Removes an endpoint from the balancer and the hash; see `LoadBalancer.remove`. */
  override remove(id: string): boolean {
    if (!this.pool.remove(id)) return false;
    this.#hash.removeNode(id);
    return true;
  }

  /** Picks the endpoint owning `options.key` (or a random key), walking on past unavailable owners; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const pool = this.pool;
    const n = pool.n;
    if (n === 0) return pool.fail();
    const exclude = excludeOf(options);
    let key: string | Uint8Array | undefined = options === undefined ? undefined : options.key;
    if (key === undefined) {
      const s = this.#scratch;
      const r = pool.bits() ^ (pool.bits() << 2);
      s[0] = r;
      s[1] = r >>> 8;
      s[2] = r >>> 16;
      s[3] = r >>> 24;
      key = s;
    }
    const bounded = this.#balanceFactor !== Number.POSITIVE_INFINITY;
    let cap = Number.POSITIVE_INFINITY;
    if (bounded) {
      const eligible = pool.allIn ? n : pool.healthyCount;
      cap = Math.ceil((this.#balanceFactor * (pool.totalActive() + 1)) / Math.max(eligible, 1));
    }
    const owner = pool.index.get(this.#hash.getNode(key));
    if (owner !== undefined && pool.eligible(owner, exclude) && (pool.active[owner] as number) < cap) return pool.lease(owner);
    // Walk the key's preference order: first eligible endpoint with room; else (all full) the first eligible.
    const order = this.#hash.getNodes(key, n);
    let firstEligible = -1;
    for (let i = 0; i < order.length; i++) {
      const p = pool.index.get(order[i] as string);
      if (p === undefined || !pool.eligible(p, exclude)) continue;
      if ((pool.active[p] as number) < cap) return pool.lease(p);
      if (firstEligible < 0) firstEligible = p;
    }
    return firstEligible >= 0 ? pool.lease(firstEligible) : pool.fail();
  }
}
