import { growU8, growU32 } from '../_grow.js';

/** "No slot". */
export const NIL = 0xffffffff;

/**
 * Several doubly-linked lists of slots in two shared `Uint32Array`s (`next`, `prev`), with the list each slot
 * is on in a `Uint8Array`. Each list runs from its head (oldest) to its tail (newest).
 */
export class SlotLists {
  next: Uint32Array;
  prev: Uint32Array;
  owner: Uint8Array;
  readonly head: Uint32Array;
  readonly tail: Uint32Array;
  readonly count: Uint32Array;

  constructor(lists: number, capacity: number) {
    this.next = new Uint32Array(capacity);
    this.prev = new Uint32Array(capacity);
    this.owner = new Uint8Array(capacity);
    this.head = new Uint32Array(lists).fill(NIL);
    this.tail = new Uint32Array(lists).fill(NIL);
    this.count = new Uint32Array(lists);
  }

  grow(capacity: number): void {
    this.next = growU32(this.next, capacity);
    this.prev = growU32(this.prev, capacity);
    this.owner = growU8(this.owner, capacity);
  }

  /** Append slot `i` (not on any list) as the newest of list `l`. */
  push(l: number, i: number): void {
    const t = this.tail[l] as number;
    this.prev[i] = t;
    this.next[i] = NIL;
    if (t === NIL) this.head[l] = i;
    else this.next[t] = i;
    this.tail[l] = i;
    this.owner[i] = l;
    this.count[l] = (this.count[l] as number) + 1;
  }

  /** Take slot `i` off its list. */
  unlink(i: number): void {
    const l = this.owner[i] as number;
    const p = this.prev[i] as number;
    const n = this.next[i] as number;
    if (p === NIL) this.head[l] = n;
    else this.next[p] = n;
    if (n === NIL) this.tail[l] = p;
    else this.prev[n] = p;
    this.count[l] = (this.count[l] as number) - 1;
  }

  /** Make slot `i` the newest of list `l` (it may be on any list). */
  moveTo(l: number, i: number): void {
    if (this.owner[i] === l && this.tail[l] === i) return;
    this.unlink(i);
    this.push(l, i);
  }

  /** Slots of the lists `ls`, list by list, each list newest first. */
  order(ls: readonly number[]): number[] {
    const out: number[] = [];
    for (const l of ls) {
      for (let i = this.tail[l] as number; i !== NIL; i = this.prev[i] as number) out.push(i);
    }
    return out;
  }

  clear(): void {
    this.head.fill(NIL);
    this.tail.fill(NIL);
    this.count.fill(0);
  }
}
