import { growU32 } from '../_grow.js';
import { hashKey } from '../_hash32.js';
import { FrequencySketch } from './_frequency-sketch.js';
import type { EvictionPolicy } from './_policy.js';
import { NIL, SlotLists } from './_slot-lists.js';

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;
/** The lists in keep-longest-first order (see `order`). */
const ORDER: readonly number[] = [PROTECTED, WINDOW, PROBATION];
/** Initial window share (Caffeine's 1 %). */
const INITIAL_WINDOW = 0.01;
/** Share of the main space that is protected. */
const PROTECTED_SHARE = 0.8;
/** Hill climbing: first step, as a share of the capacity; decay per sample; restart on a hit-ratio jump. */
const STEP = 0.0625;
const STEP_DECAY = 0.98;
const RESTART_THRESHOLD = 0.05;

/**
 * W-TinyLFU with an adaptive window (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission
 * Policy", ACM ToS 2017; Einziger et al., "Adaptive Software Cache Management", Middleware 2018; after
 * Caffeine). New entries enter an LRU window; the main space is a segmented LRU (probation, then protected
 * on a second hit). When the window is full its oldest entry (the candidate) competes with the oldest entry
 * of probation (the victim): the one with the higher frequency estimate in a 4-bit count-min sketch stays.
 * The window's share adapts by hill climbing: after each sample of 10 × capacity accesses the window grows
 * or shrinks by a step in the direction that last raised the hit ratio (the step decays by 2 % a sample,
 * and restarts at 6.25 % of the capacity when the hit ratio jumps by 5 points).
 */
export class TinyLfuPolicy implements EvictionPolicy {
  readonly counts = undefined;
  readonly countCap = 0;
  readonly #lists: SlotLists;
  #hashes: Uint32Array;
  readonly #sketch: FrequencySketch;
  readonly #max: number;
  /** Window target in entries (fractional while climbing). */
  #window: number;
  #step: number;
  #sampleHits = 0;
  #sampleCount = 0;
  /** Accesses per hill-climbing sample: 10 × capacity (re-read after each sample when only `maxSize` limits). */
  #sampleSize: number;
  #previousRatio = 0;

  constructor(capacity: number, max: number) {
    this.#lists = new SlotLists(3, capacity);
    this.#hashes = new Uint32Array(capacity);
    this.#max = max;
    const known = max === Number.POSITIVE_INFINITY ? capacity : max;
    // Sized for the slots that exist, and grown with them (as Caffeine's sketch grows with the cache), so a
    // large `max` costs nothing until the cache fills.
    this.#sketch = new FrequencySketch(Math.min(capacity, known));
    this.#window = Math.max(1, known * INITIAL_WINDOW);
    this.#step = STEP * known;
    this.#sampleSize = 10 * Math.max(known, 16);
  }

  grow(capacity: number): void {
    this.#lists.grow(capacity);
    this.#hashes = growU32(this.#hashes, capacity);
    this.#sketch.ensureCapacity(Math.min(capacity, this.#max));
  }

  insert(i: number, key: unknown): void {
    const h = hashKey(key);
    this.#hashes[i] = h;
    this.#sketch.increment(h);
    const lists = this.#lists;
    lists.push(WINDOW, i);
    // While the cache fills (and after the window shrinks), the window's overflow moves to probation as is.
    if ((lists.count[WINDOW] as number) > this.#window) lists.moveTo(PROBATION, lists.head[WINDOW] as number);
    this.#sample(0);
  }

  hit(i: number): void {
    this.#sketch.increment(this.#hashes[i] as number);
    const lists = this.#lists;
    const owner = lists.owner[i] as number;
    if (owner === PROBATION) {
      lists.moveTo(PROTECTED, i);
      const protectedMax = PROTECTED_SHARE * (this.#capacity() - this.#window);
      if ((lists.count[PROTECTED] as number) > protectedMax) lists.moveTo(PROBATION, lists.head[PROTECTED] as number);
    } else if (lists.tail[owner] !== i) {
      lists.unlink(i);
      lists.push(owner, i);
    }
    this.#sample(1);
  }

  victim(): number {
    const lists = this.#lists;
    const mainHead = lists.head[PROBATION] !== NIL ? (lists.head[PROBATION] as number) : (lists.head[PROTECTED] as number);
    if (lists.count[WINDOW] !== 0 && ((lists.count[WINDOW] as number) >= this.#window || mainHead === NIL)) {
      const candidate = lists.head[WINDOW] as number;
      if (mainHead === NIL) return candidate;
      const sketch = this.#sketch;
      if (sketch.frequency(this.#hashes[candidate] as number) > sketch.frequency(this.#hashes[mainHead] as number)) {
        lists.moveTo(PROBATION, candidate);
        return mainHead;
      }
      return candidate;
    }
    return mainHead !== NIL ? mainHead : (lists.head[WINDOW] as number);
  }

  remove(i: number): void {
    this.#lists.unlink(i);
  }

  order(): number[] {
    return this.#lists.order(ORDER);
  }

  clear(): void {
    this.#lists.clear();
    this.#sketch.clear();
  }

  #capacity(): number {
    if (this.#max !== Number.POSITIVE_INFINITY) return this.#max;
    const c = this.#lists.count;
    return (c[WINDOW] as number) + (c[PROBATION] as number) + (c[PROTECTED] as number);
  }

  /** Count an access (hit = 1) and climb after each sample. */
  #sample(hit: number): void {
    this.#sampleHits += hit;
    if (++this.#sampleCount < this.#sampleSize) return;
    const capacity = this.#capacity();
    this.#sampleSize = 10 * Math.max(capacity, 16);
    const ratio = this.#sampleHits / this.#sampleCount;
    const change = ratio - this.#previousRatio;
    const amount = change >= 0 ? this.#step : -this.#step;
    this.#step = Math.abs(change) >= RESTART_THRESHOLD ? STEP * capacity * Math.sign(amount || 1) : STEP_DECAY * amount;
    this.#previousRatio = ratio;
    this.#window = Math.min(Math.max(1, this.#window + amount), Math.max(1, capacity - 1));
    this.#sampleHits = 0;
    this.#sampleCount = 0;
  }
}
