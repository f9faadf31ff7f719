const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

/**
 * A 32-bit hash of any `Map` key, for frequency estimates only (collisions cost accuracy, not correctness):
 * integers are mixed (murmur3 finalizer), strings hashed with FNV-1a, objects get an id on first sight.
 */
export function hashKey(key: unknown): number {
  if (typeof key === 'number') return (key | 0) === key ? mix(key) : hashString(String(key));
  if (typeof key === 'string') return hashString(key);
  if ((typeof key === 'object' && key !== null) || typeof key === 'function') {
    let id = objectIds.get(key);
    if (id === undefined) {
      id = nextObjectId++;
      objectIds.set(key, id);
    }
    return mix(id);
  }
  return hashString(typeof key === 'symbol' ? (key.description ?? '') : String(key));
}
