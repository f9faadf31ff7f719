import { assertBalanceFactor, boundedLoadCap, type ConsistentHash, DEFAULT_BALANCE_FACTOR, RingHash } from '@scaling/consistent-hash';
import { xxHash32 } from '@scaling/core';
import { assertOptions } from '@scaling/core/internal';
import { BalancerCore, type MembershipHooks } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { LeaseBook } from './_leases.js';
import type { BalancerOptions } from './_options.js';
import type { RandomDraw } from './_random.js';
import { BalancerBase } from './balancer-base.js';
import type { Endpoint, Lease, PickOptions } from './types.js';

/**
 * The part of `@scaling/consistent-hash`'s `ConsistentHash` this strategy calls: every algorithm of
 * that package fits, and so does any object with these four methods.
 */
export type BalancerHash = Pick<ConsistentHash, 'addNode' | 'removeNode' | 'getNode' | 'getNodes'>;

/**
 * @deprecated Use `ConsistentHash` from `@scaling/consistent-hash` (or {@link BalancerHash}, the four
 * methods this strategy calls). Kept for one minor version.
 */
export type ConsistentHashLike = BalancerHash;

/** Options of {@link ConsistentHashing}. */
export interface ConsistentHashingOptions<E extends Endpoint = Endpoint> extends BalancerOptions<E> {
  /**
   * The key → node mapping, empty (the balancer adds its endpoints with their weights), or a factory for
   * one, e.g. `() => new MaglevHash()` from `@scaling/consistent-hash`. Default: `new RingHash()` (160
   * vnodes per unit of weight, xxHash32; Envoy's default is a ring hash too).
   */
  hash?: BalancerHash | (() => BalancerHash);
  /**
   * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam, SODA 2018), with the formula of
   * `@scaling/consistent-hash`'s `boundedLoadCap`: an endpoint may hold at most
   * ⌈balanceFactor × (active + 1) × w / W⌉ requests (w its effective weight, W the total over eligible
   * endpoints); a key whose owner is full walks on along its preference order. `balanceFactor` in [1, 1e6],
   * default 1.25 (as `BoundedLoadHash`). Default: unbounded.
   */
  boundedLoad?: {
    /** Capacity multiplier over the weighted mean load, in [1, 1e6]; default 1.25 (Google's bounded loads, "c"). */
    balanceFactor?: number;
  };
}

const RAMP_SEED = 0x52414d50;
const HINTS = {
  hashFunction: 'use `hash` (a ConsistentHash or a factory of one)',
  ring: 'use `hash`',
  hash_balance_factor: 'use `boundedLoad: { balanceFactor }` as a ratio (125 → 1.25)',
  balanceFactor: 'use `boundedLoad: { balanceFactor }`',
};

/**
 * Consistent hashing: `pick({ key })` goes to the endpoint owning the key, so each backend sees a stable
 * share of keys (cache locality), and adding or removing an endpoint moves only its share. When the owner
 * is unhealthy (outside panic), excluded, or full under bounded loads, the key's next node in preference
 * order takes it (Envoy's ring-hash behaviour), which leaves every other key in place. A pick without a
 * key hashes a random one.
 *
 * **Weight and load:** weights go to the hash (each endpoint owns a share of keys in proportion to its
 * configured weight); load is ignored unless `boundedLoad` caps it. Slow start: a key owned by an endpoint
 * at ramp factor f = effectiveWeight / weight stays there only if the key's own hash falls in the first f
 * of [0, 1), so the endpoint takes a growing, stable subset of its keys as it ramps (the rest walk on).
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
  readonly #core: BalancerCore<E>;
  readonly #t: EndpointTable<E>;
  readonly #book: LeaseBook<E>;
  readonly #rng: RandomDraw;
  readonly #hash: BalancerHash;
  readonly #balanceFactor: number;
  readonly #scratch = new Uint8Array(4);

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option (a malformed `hash` included). */
  constructor(options: ConsistentHashingOptions<E> = {}) {
    const core = new BalancerCore<E>('ConsistentHashing options', options, ['hash', 'boundedLoad'], HINTS);
    super(core);
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
      assertOptions('boundedLoad', options.boundedLoad, ['balanceFactor'], { hash_balance_factor: 'use `balanceFactor` (125 → 1.25)' });
      const c = options.boundedLoad.balanceFactor ?? DEFAULT_BALANCE_FACTOR;
      assertBalanceFactor('boundedLoad.balanceFactor', c);
      this.#balanceFactor = c;
    } else this.#balanceFactor = Number.POSITIVE_INFINITY;
    this.#core = core;
    this.#t = core.table;
    this.#book = core.book;
    this.#rng = core.rng;
    const hooks: MembershipHooks<E> = {
      added: (endpoint) => h.addNode(endpoint.id, endpoint.weight ?? 1),
      removing: (id) => {
        h.removeNode(id);
      },
      removed: () => {},
    };
    core.hooks = hooks;
    this.ready();
  }

  /** Picks the endpoint owning `options.key` (or a random key), walking on past unavailable owners; see `LoadBalancer.pick`. */
  pick(options?: PickOptions): Lease<E> {
    const core = this.#core;
    const t = this.#t;
    const n = t.n;
    if (n === 0) return core.fail();
    const exclude = core.begin(options);
    let key: string | Uint8Array | undefined = options === undefined ? undefined : options.key;
    if (key === undefined) {
      const s = this.#scratch;
      const r = this.#rng.bits() ^ (this.#rng.bits() << 2);
      s[0] = r;
      s[1] = r >>> 8;
      s[2] = r >>> 16;
      s[3] = r >>> 24;
      key = s;
    }
    const bounded = this.#balanceFactor !== Number.POSITIVE_INFINITY;
    const ramping = core.slow !== undefined && core.slow.ramping > 0;
    const owner = t.index.get(this.#hash.getNode(key));
    if (!bounded && !ramping && owner !== undefined && t.eligible(owner, exclude)) return this.#book.lease(owner);
    let total = 0;
    let totalWeight = 0;
    if (bounded) {
      total = t.totalActive();
      for (let p = 0; p < n; p++) if (t.eligible(p, undefined)) totalWeight += t.eff[p] as number;
    }
    // Ramp draw: the key's own position in [0, 1), stable per key.
    const u = ramping ? xxHash32(key, RAMP_SEED) / 4294967296 : 0;
    if (owner !== undefined && this.#fits(owner, exclude, bounded, total, totalWeight, ramping, u)) return this.#book.lease(owner);
    // Walk the key's preference order: the first eligible endpoint that fits; else the first eligible.
    const order = this.#hash.getNodes(key, n);
    let firstEligible = -1;
    for (let i = 0; i < order.length; i++) {
      const p = t.index.get(order[i] as string);
      if (p === undefined || !t.eligible(p, exclude)) continue;
      if (this.#fits(p, undefined, bounded, total, totalWeight, ramping, u)) return this.#book.lease(p);
      if (firstEligible < 0) firstEligible = p;
    }
    return firstEligible >= 0 ? this.#book.lease(firstEligible) : core.fail();
  }

  #fits(
    p: number,
    exclude: ReadonlySet<string> | undefined,
    bounded: boolean,
    total: number,
    totalWeight: number,
    ramping: boolean,
    u: number,
  ): boolean {
    const t = this.#t;
    if (exclude !== undefined && !t.eligible(p, exclude)) return false;
    if (exclude === undefined && !t.eligible(p, undefined)) return false;
    if (bounded && (t.active[p] as number) >= boundedLoadCap(this.#balanceFactor, total, t.eff[p] as number, totalWeight)) return false;
    if (ramping && u >= (t.eff[p] as number) / (t.weight[p] as number)) return false;
    return true;
  }
}
