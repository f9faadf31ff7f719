import { type Columns, grown } from './_columns.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { Endpoint } from './types.js';

/**
 * Earliest-deadline-first schedule over the endpoints in rotation (Envoy's `EdfScheduler`): each endpoint
 * has a virtual deadline; a pick takes the earliest (lowest position on ties) and moves its deadline on by
 * a step, `1 / weight` for a static weight, or a load-dependent step such as `(active + 1)^bias / weight`
 * for Envoy's least-request. A binary min-heap with each endpoint's heap index, O(log n) per pick.
 *
 * **The schedule survives change.** Membership, health and weight changes rebuild the heap lazily, but an
 * endpoint that stayed in rotation keeps its deadline (pulled in if a weight increase put it more than one
 * step ahead): rebuilding never resets who is next. An endpoint new to the rotation, or back in it, starts
 * half a step after the current virtual time, which keeps light endpoints interleaved.
 */
export class EdfSchedule<E extends Endpoint> implements Columns {
  /** Virtual deadline per position. */
  deadline = new Float64Array(0);
  /** 1 while the position is in the schedule (kept across rebuilds; 0 once it left the rotation). */
  #member = new Uint8Array(0);
  #heap = new Int32Array(8);
  #size = 0;
  #version = -1;
  /** Virtual time: the deadline of the last pick. */
  #vt = 0;
  readonly #table: EndpointTable<E>;

  constructor(table: EndpointTable<E>) {
    this.#table = table;
    table.attach(this);
  }

  grow(capacity: number): void {
    this.deadline = grown(this.deadline, capacity);
    this.#member = grown(this.#member, capacity);
    if (this.#heap.length < capacity) this.#heap = grown(this.#heap, capacity);
  }

  reset(pos: number): void {
    this.deadline[pos] = 0;
    this.#member[pos] = 0;
  }

  move(from: number, to: number): void {
    this.deadline[to] = this.deadline[from] as number;
    this.#member[to] = this.#member[from] as number;
    this.#member[from] = 0;
  }

  /** True when the table changed since the heap was built (call {@link EdfSchedule.rebuild}). */
  stale(): boolean {
    return this.#version !== this.#table.version;
  }

  /** Rebuilds the heap over the rotation; `stepOf(pos)` gives the step of an endpoint entering the schedule. */
  rebuild(stepOf: (pos: number) => number): void {
    const t = this.#table;
    this.#version = t.version;
    this.#size = 0;
    const vt = this.#vt;
    const d = this.deadline;
    const member = this.#member;
    for (let p = 0; p < t.n; p++) {
      if (!t.eligible(p, undefined)) {
        member[p] = 0;
        continue;
      }
      const step = stepOf(p);
      const dp = d[p] as number;
      if (member[p] === 0 || dp < vt) d[p] = vt + step / 2;
      else if (dp > vt + step) d[p] = vt + step / 2;
      member[p] = 1;
      this.#push(p);
    }
  }

  /** Number of endpoints in the schedule. */
  get size(): number {
    return this.#size;
  }

  /** The earliest-deadline position not in `exclude`, or −1; does not advance. */
  peek(exclude: ReadonlySet<string> | undefined): number {
    if (this.#size === 0) return -1;
    const top = this.#heap[0] as number;
    if (exclude === undefined || !exclude.has(this.#table.ids[top] as string)) return top;
    // Rare: the best non-excluded one, by a scan (excluded endpoints keep their deadlines).
    const d = this.deadline;
    const ids = this.#table.ids;
    let best = -1;
    for (let i = 0; i < this.#size; i++) {
      const p = this.#heap[i] as number;
      if (exclude.has(ids[p] as string)) continue;
      if (best < 0 || (d[p] as number) < (d[best] as number) || ((d[p] as number) === (d[best] as number) && p < best)) best = p;
    }
    return best;
  }

  /** Takes `pos`'s turn: virtual time moves to its deadline, and its next deadline is `step` later. */
  advance(pos: number, step: number): void {
    const d = this.deadline[pos] as number;
    if (d > this.#vt) this.#vt = d;
    this.deadline[pos] = d + step;
    // `pos` came from peek(): the top, or (with an exclude set, rare) found by a scan; no index column to keep.
    this.#siftDown(this.#heap[0] === pos ? 0 : this.#indexOf(pos));
  }

  #indexOf(pos: number): number {
    const h = this.#heap;
    for (let i = 1; i < this.#size; i++) if (h[i] === pos) return i;
    throw new Error(`EdfSchedule: position ${pos} is not in the schedule`);
  }

  #less(a: number, b: number): boolean {
    const d = this.deadline;
    const da = d[a] as number;
    const db = d[b] as number;
    return da < db || (da === db && a < b);
  }

  #push(p: number): void {
    const h = this.#heap;
    let i = this.#size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const q = h[parent] as number;
      if (!this.#less(p, q)) break;
      h[i] = q;
      i = parent;
    }
    h[i] = p;
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    const n = this.#size;
    const p = h[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(h[r] as number, h[l] as number)) c = r;
      const q = h[c] as number;
      if (!this.#less(q, p)) break;
      h[i] = q;
      i = c;
    }
    h[i] = p;
  }
}
