// 32-bit hashes of cache keys for W-TinyLFU's frequency sketch. `fmix32` and `fnv1a32` are the 32-bit
// relatives of core's `fnv1a64`/xxHash: core has no 32-bit FNV-1a or murmur3 finalizer yet (consistent-hash
// keeps its own `fmix32`), so they live here until core offers them.

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** The murmur3 32-bit finalizer (Appleby, MurmurHash3 `fmix32`): a bijective avalanche of `h`. */
export function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s` (Fowler, Noll, Vo; 32-bit offset basis and prime), unmixed. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

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
