import type { EvictionPolicy } from './_policy.js';
import { SlotLists } from './_slot-lists.js';

/** The one list (see `order`). */
const ORDER: readonly number[] = [0];

/** Least recently used: one list; a hit moves the slot to the newest end; the victim is the oldest. */
export class LruPolicy implements EvictionPolicy {
  readonly counts = undefined;
  readonly countCap = 0;
  readonly #lists: SlotLists;

  constructor(capacity: number) {
    this.#lists = new SlotLists(1, capacity);
  }
  grow(capacity: number): void {
    this.#lists.grow(capacity);
  }
  insert(i: number): void {
    this.#lists.push(0, i);
  }
  hit(i: number): void {
    this.#lists.moveTo(0, i);
  }
  victim(): number {
    return this.#lists.head[0] as number;
  }
  remove(i: number): void {
    this.#lists.unlink(i);
  }
  order(): number[] {
    return this.#lists.order(ORDER);
  }
  clear(): void {
    this.#lists.clear();
  }
}
