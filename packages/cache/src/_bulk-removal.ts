/**
 * Removing many entries of a {@link SlotCache} at once: `clear()` and the expiry sweep (`purgeStale()` and the
 * automatic purge). Both walk the slots in eviction order through the cache's internal fields and queue each
 * removal for `onEvict` and the `evict` event; neither is on a `get`/`set` path.
 */
import type { SlotCache } from './_slot-cache.js';

const INF = Number.POSITIVE_INFINITY;

/**
 * Removes every entry of `cache` (each reported once with reason `'clear'`, the next victims first) and detaches
 * pending loads; delivers the removals.
 */
export function clearSlots<K, V>(cache: SlotCache<K, V>): void {
  if (cache._flights !== undefined) cache._flights.detachAll();
  cache._time.cancelPurge();
  const evicted = cache._evicted ?? cache._lazyEvicted();
  if (cache._map.size > 0 && evicted !== undefined) {
    const order = cache._order();
    for (let k = order.length - 1; k >= 0; k--) {
      const i = order[k] as number;
      evicted.push(cache._keys[i] as K, cache._vals[i] as V, 'clear');
    }
  }
  cache._resetSlots();
  cache._map.clear();
  cache._keys.fill(undefined);
  cache._vals.fill(undefined);
  cache._totalSize = 0;
  if (cache._sizes !== undefined) cache._sizes.fill(0);
  cache._drain();
}

/**
 * Removes the expired entries of `cache` (the next victims first; reason `'expire'`) and re-arms the automatic
 * purge; returns how many were removed. The removals are queued, not delivered (the caller drains).
 */
export function sweepExpired<K, V>(cache: SlotCache<K, V>): number {
  if (!cache._tracksTtl() || cache._map.size === 0) return 0;
  const now = cache._time.now();
  const swr = cache._swr;
  let removed = 0;
  let earliest = INF;
  const order = cache._order();
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k] as number;
    // Entries in their stale-while-revalidate window stay until the window ends.
    const removeAt = cache._expiresAt(i) + swr;
    if (now >= removeAt) {
      cache._remove(i, 'expire', false);
      removed++;
    } else if (removeAt < earliest) {
      earliest = removeAt;
    }
  }
  if (cache._autoPurge && earliest !== INF) cache._time.schedulePurge(earliest);
  return removed;
}
