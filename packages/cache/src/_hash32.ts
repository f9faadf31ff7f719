// 32-bit hashes of cache keys for W-TinyLFU's frequency sketch, from core's shared `fmix32`/`fnv1a32`.
import { fmix32, fnv1a32 } from '@scaling/core/internal';

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/**
 * A 32-bit hash of any `Map` key, for frequency estimates only (collisions cost accuracy, not correctness):
 * integers are mixed with {@link fmix32}, strings hashed with {@link fnv1a32} then mixed, objects get an id on
 * first sight. Never calls user code (no `toString`), so it cannot throw.
 */
export function hashKey(key: unknown): number {
  if (typeof key === 'number') return (key | 0) === key ? fmix32(key) : fmix32(fnv1a32(String(key)));
  if (typeof key === 'string') return fmix32(fnv1a32(key));
  if ((typeof key === 'object' && key !== null) || typeof key === 'function') {
    let id = objectIds.get(key);
    if (id === undefined) {
      id = nextObjectId++;
      objectIds.set(key, id);
    }
    return fmix32(id);
  }
  return fmix32(fnv1a32(typeof key === 'symbol' ? (key.description ?? '') : String(key)));
}
