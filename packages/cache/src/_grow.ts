// Growing the per-slot arrays of the caches and their policies: a new array of `capacity` with the old
// contents at the front (only called when a cache doubles its slots).

/** `a` copied into a new array of `capacity`, the rest `undefined`. */
export function growArray<T>(a: Array<T | undefined>, capacity: number): Array<T | undefined> {
  const b = new Array<T | undefined>(capacity).fill(undefined);
  for (let i = 0; i < a.length; i++) b[i] = a[i];
  return b;
}

/** `a` copied into a new `Float64Array` of `capacity`, the rest set to `fill`. */
export function growF64(a: Float64Array, capacity: number, fill: number): Float64Array {
  const b = new Float64Array(capacity);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** `a` copied into a new `Uint32Array` of `capacity`, the rest 0. */
export function growU32(a: Uint32Array, capacity: number): Uint32Array {
  const b = new Uint32Array(capacity);
  b.set(a);
  return b;
}

/** `a` copied into a new `Uint8Array` of `capacity`, the rest 0. */
export function growU8(a: Uint8Array, capacity: number): Uint8Array {
  const b = new Uint8Array(capacity);
  b.set(a);
  return b;
}
