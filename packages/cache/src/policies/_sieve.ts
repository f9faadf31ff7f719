import { growU8 } from '../_grow.js';
import type { EvictionPolicy } from './_policy.js';
import { NIL, SlotLists } from './_slot-lists.js';

/** The one list (see `order`). */
const ORDER: readonly number[] = [0];

/**
 * SIEVE (Zhang et al., "SIEVE is Simpler than LRU", NSDI 2024): one FIFO queue and a visited bit per slot. A
 * hit only sets the bit. To evict, a hand walks from the oldest entry towards the newest, clearing set bits,
 * and stops at the first entry whose bit is clear; the hand stays there for the next eviction (wrapping to
 * the oldest entry at the end). New entries join at the newest end.
 */
export class SievePolicy implements EvictionPolicy {
  counts: Uint8Array;
  readonly countCap = 1;
  readonly #lists: SlotLists;
  #hand = NIL;

  constructor(capacity: number) {
    this.#lists = new SlotLists(1, capacity);
    this.counts = new Uint8Array(capacity);
  }
  grow(capacity: number): void {
    this.#lists.grow(capacity);
    this.counts = growU8(this.counts, capacity);
  }
  insert(i: number): void {
    this.counts[i] = 0;
    this.#lists.push(0, i);
  }
  hit(i: number): void {
    this.counts[i] = 1;
  }
  victim(): number {
    const lists = this.#lists;
    const visited = this.counts;
    let h = this.#hand === NIL ? (lists.head[0] as number) : this.#hand;
    while (visited[h] !== 0) {
      visited[h] = 0;
      h = lists.next[h] as number;
      if (h === NIL) h = lists.head[0] as number;
    }
    this.#hand = h;
    return h;
  }
  remove(i: number): void {
    if (i === this.#hand) this.#hand = this.#lists.next[i] as number;
    this.#lists.unlink(i);
  }
  order(): number[] {
    return this.#lists.order(ORDER);
  }
  clear(): void {
    this.#lists.clear();
    this.#hand = NIL;
  }
}
