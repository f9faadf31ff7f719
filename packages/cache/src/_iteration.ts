/** The reads iteration makes on a cache: liveness and value of a key, without recording an access. */
export interface LiveReader<K, V> {
  has(key: K): boolean;
  peek(key: K): V | undefined;
}

// Each generator takes the key order when iteration starts (first `next()`); a key is yielded only if its
// entry is still live when reached, so entries deleted or expired meanwhile are skipped. (Values are never
// `undefined`: `set(key, undefined)` deletes.)

/** Keys of `snapshot()` whose entries are live when reached. */
export function* liveKeys<K, V>(cache: LiveReader<K, V>, snapshot: () => K[]): IterableIterator<K> {
  for (const key of snapshot()) {
    if (cache.has(key)) yield key;
  }
}

/** Values of the live entries of `snapshot()`. */
export function* liveValues<K, V>(cache: LiveReader<K, V>, snapshot: () => K[]): IterableIterator<V> {
  for (const key of snapshot()) {
    const value = cache.peek(key);
    if (value !== undefined) yield value;
  }
}

/** `[key, value]` pairs of the live entries of `snapshot()`. */
export function* liveEntries<K, V>(cache: LiveReader<K, V>, snapshot: () => K[]): IterableIterator<[K, V]> {
  for (const key of snapshot()) {
    const value = cache.peek(key);
    if (value !== undefined) yield [key, value];
  }
}

/** The keys of `cache`'s stored slots in keep-longest-first order (LRU: most recently used first): a fresh array. */
export function orderedKeys<K>(cache: { _order(): number[]; readonly _keys: ReadonlyArray<K | undefined> }): K[] {
  const order = cache._order();
  const out = new Array<K>(order.length);
  for (let k = 0; k < order.length; k++) out[k] = cache._keys[order[k] as number] as K;
  return out;
}
