/**
 * Per-endpoint state kept outside the endpoint table (slow start, a strategy's scheduler): dense columns
 * indexed by the table's positions, which the table keeps in step as endpoints come and go.
 */
export interface Columns {
  /** Make room for positions below `capacity` (keep the values of positions below the old capacity). */
  grow(capacity: number): void;
  /** A new endpoint took position `pos`: start its state afresh. */
  reset(pos: number): void;
  /** A removal moved the endpoint at `from` into the hole at `to` (the removed endpoint's state is dropped). */
  move(from: number, to: number): void;
}

/** A copy of `a` with length `cap` (typed arrays of any kind). */
export function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a.subarray(0, Math.min(a.length, cap)));
  return b;
}

/** One number per endpoint position, owned by a strategy or feature (e.g. a scheduler's current weight). */
export class FloatColumn implements Columns {
  values = new Float64Array(0);
  readonly #initial: number;

  /** @param initial - the value a new endpoint starts with. */
  constructor(initial = 0) {
    this.#initial = initial;
  }

  grow(capacity: number): void {
    this.values = grown(this.values, capacity);
  }

  reset(pos: number): void {
    this.values[pos] = this.#initial;
  }

  move(from: number, to: number): void {
    this.values[to] = this.values[from] as number;
  }
}
