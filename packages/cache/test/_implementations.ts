// Every cache of this package, by name, for the suites that sweep all of them.
import { Cache, type CacheOptions, type CachePolicy, LruCache } from '../src/index.js';
import type { CacheFactory } from './_conformance.js';

const policies: CachePolicy[] = ['lru', 's3fifo', 'sieve', 'tinylfu'];

/** `[name, factory]` for `LruCache` and `Cache` with each policy. */
export const implementations: Array<[string, CacheFactory]> = [
  ['LruCache', <K, V>(options: CacheOptions<K, V>) => new LruCache<K, V>(options)],
  ...policies.map((policy): [string, CacheFactory] => [
    `Cache (${policy})`,
    <K, V>(options: CacheOptions<K, V>) => new Cache<K, V>({ ...options, policy }),
  ]),
];

/** The slot-level view the invariant checks read (internal fields of the shared engine). */
interface Internals<K> {
  _map: Map<K, number>;
  _keys: Array<K | undefined>;
  _sizes: Float64Array | undefined;
  _order(): number[];
}

/**
 * Checks the structure of a cache after any sequence of calls (including ones whose callbacks threw):
 * the key table, the eviction order (policy state) and the iteration agree; the total size is the sum of the
 * stored sizes and within `maxSize`; `size` is within `max`; every iterated key is live.
 */
export function checkInvariants<K, V>(cache: unknown, limits: { max?: number; maxSize?: number }): void {
  const c = cache as Internals<K> & {
    size: number;
    totalSize: number;
    keys(): IterableIterator<K>;
    has(k: K): boolean;
    peek(k: K): V | undefined;
  };
  const order = c._order();
  if (order.length !== c.size) throw new Error(`order holds ${order.length} slots, size is ${c.size}`);
  const slots = new Set(order);
  if (slots.size !== order.length) throw new Error('a slot is twice in the eviction order');
  for (const [key, slot] of c._map) {
    if (!slots.has(slot)) throw new Error(`key ${String(key)} (slot ${slot}) is not in the eviction order`);
    if (!Object.is(c._keys[slot], key)) throw new Error(`slot ${slot} holds ${String(c._keys[slot])}, not ${String(key)}`);
  }
  if (limits.max !== undefined && c.size > limits.max) throw new Error(`size ${c.size} > max ${limits.max}`);
  if (c._sizes !== undefined) {
    let sum = 0;
    for (const slot of order) sum += c._sizes[slot] as number;
    if (sum !== c.totalSize) throw new Error(`totalSize ${c.totalSize}, sizes sum to ${sum}`);
    if (limits.maxSize !== undefined && c.totalSize > limits.maxSize) throw new Error(`totalSize ${c.totalSize} > maxSize`);
  } else if (c.totalSize !== 0) {
    throw new Error(`totalSize ${c.totalSize} without maxSize`);
  }
  const keys = [...c.keys()];
  if (new Set(keys).size !== keys.length) throw new Error('iteration yields a key twice');
  for (const k of keys) {
    if (!c.has(k) || c.peek(k) === undefined) throw new Error(`iterated key ${String(k)} is not live`);
  }
}
