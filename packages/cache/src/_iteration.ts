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
