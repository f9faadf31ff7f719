import { growU8 } from '../_grow.js';
import type { EvictionPolicy } from './_policy.js';
import { SlotLists } from './_slot-lists.js';

const SMALL = 0;
const MAIN = 1;
/** The lists in keep-longest-first order (see `order`). */
const ORDER: readonly number[] = [MAIN, SMALL];
/** Share of the capacity given to the small FIFO queue (the paper's 10 %). */
const SMALL_SHARE = 0.1;
/** Smallest ghost queue (keys only) when the capacity is known only by size. */
const MIN_GHOST = 16;

/**
 * S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023): a small FIFO queue S
 * (10 % of the entries), a main FIFO queue M, and a ghost FIFO G holding only the keys recently evicted from
 * S (as many as M holds). A hit only bumps a 2-bit counter. New keys enter S, or M when G remembers them.
 * Evicting from S moves an entry read at least once to M and evicts the others (their keys go to G);
 * evicting from M gives an entry with a non-zero counter another round (counter − 1) and evicts the first
 * one at zero. S is evicted from while it holds at least its share.
 */
export class S3FifoPolicy implements EvictionPolicy {
  counts: Uint8Array;
  readonly countCap = 3;
  readonly #lists: SlotLists;
  readonly #max: number;
  /** Ghost keys: the position in the ring each was written at. */
  readonly #ghost = new Map<unknown, number>();
  #ring: unknown[] = [];
  #ringCapacity = 0;
  #ringNext = 0;

  constructor(capacity: number, max: number) {
    this.#lists = new SlotLists(2, capacity);
    this.counts = new Uint8Array(capacity);
    this.#max = max;
    if (max !== Number.POSITIVE_INFINITY) this.#sizeRing(max);
  }
  grow(capacity: number): void {
    this.#lists.grow(capacity);
    this.counts = growU8(this.counts, capacity);
  }
  insert(i: number, key: unknown): void {
    this.counts[i] = 0;
    if (this.#ghost.delete(key)) this.#lists.push(MAIN, i);
    else this.#lists.push(SMALL, i);
  }
  hit(i: number): void {
    const f = this.counts[i] as number;
    if (f < 3) this.counts[i] = f + 1;
  }
  victim(): number {
    const lists = this.#lists;
    const counts = this.counts;
    const entries = (lists.count[SMALL] as number) + (lists.count[MAIN] as number);
    const capacity = this.#max === Number.POSITIVE_INFINITY ? entries : this.#max;
    const smallTarget = Math.max(1, Math.floor(capacity * SMALL_SHARE));
    for (;;) {
      if (lists.count[SMALL] !== 0 && ((lists.count[SMALL] as number) >= smallTarget || lists.count[MAIN] === 0)) {
        const t = lists.head[SMALL] as number;
        if ((counts[t] as number) === 0) return t;
        counts[t] = 0;
        lists.moveTo(MAIN, t);
      } else {
        const t = lists.head[MAIN] as number;
        const f = counts[t] as number;
        if (f === 0) return t;
        counts[t] = f - 1;
        lists.moveTo(MAIN, t);
      }
    }
  }
  remove(i: number, key: unknown, evicted: boolean): void {
    if (evicted && this.#lists.owner[i] === SMALL) this.#remember(key);
    this.#lists.unlink(i);
  }
  order(): number[] {
    return this.#lists.order(ORDER);
  }
  clear(): void {
    this.#lists.clear();
    this.#ghost.clear();
    this.#ring = [];
    this.#ringNext = 0;
  }

  #sizeRing(capacity: number): void {
    this.#ringCapacity = Math.max(MIN_GHOST, capacity - Math.floor(capacity * SMALL_SHARE));
    // Grown by appending as ghosts arrive, so a large `max` costs nothing until the cache actually evicts.
    this.#ring = [];
    this.#ringNext = 0;
    this.#ghost.clear();
  }

  /** Add `key` to the ghost FIFO, forgetting the oldest ghost when full. */
  #remember(key: unknown): void {
    if (this.#ringCapacity === 0) {
      // Size-limited only: the ghost holds as many keys as the cache held at its first eviction.
      this.#sizeRing((this.#lists.count[SMALL] as number) + (this.#lists.count[MAIN] as number));
    }
    const at = this.#ringNext;
    const ring = this.#ring;
    const old = at < ring.length ? ring[at] : undefined;
    if (old !== undefined && this.#ghost.get(old) === at) this.#ghost.delete(old);
    ring[at] = key; // at ≤ ring.length: an append until the ring is full, then an overwrite
    this.#ghost.set(key, at);
    this.#ringNext = at + 1 === this.#ringCapacity ? 0 : at + 1;
  }
}
