import { LruCache } from '@scaling/cache';
import type { Clock } from '@scaling/core';
import { isIdle } from './_algorithms.js';
import { Decider } from './_decide.js';
import type { CompiledRule } from './_rules.js';
import type { Store } from './_store.js';
import type { RateLimitDecision } from './limits.js';

const INITIAL_SLOTS = 64;

/**
 * The in-process store: an `LruCache` (from `@scaling/cache`) maps each key to a slot number (a small integer,
 * so no object per key), and every key's state lives at that slot in one `Float64Array` (`stride` words per
 * key). The cache bounds the number of keys (`maxKeys`); when it evicts a key, its slot goes back to a free
 * list. An evicted key that was idle (fully replenished) loses nothing; one that was not is counted in
 * `evictedActive` (it starts afresh if it comes back).
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly decider: Decider;
  readonly maxKeys: number;
  readonly #clock: Clock;
  readonly #keys: LruCache<string, number>;
  readonly #stride: number;
  #state: Float64Array;
  #capacity: number;
  /** Slots handed out so far. */
  #used = 0;
  #free: number[] = [];
  #now = 0;
  evictedActive = 0;

  constructor(rules: readonly CompiledRule[], maxKeys: number, clock: Clock) {
    this.decider = new Decider(rules);
    this.maxKeys = maxKeys;
    this.#clock = clock;
    this.#stride = this.decider.stride;
    // one slot more than keys: a new key takes its slot before the cache evicts the victim
    this.#capacity = Math.min(maxKeys + 1, INITIAL_SLOTS);
    this.#state = new Float64Array(this.#capacity * this.#stride);
    this.#keys = new LruCache<string, number>({ max: maxKeys, onEvict: (_key, slot, reason) => this.#release(slot, reason) });
  }

  get size(): number {
    return this.#keys.size;
  }

  consume(key: string, cost: number, now = this.#clock.now()): RateLimitDecision {
    this.#now = now;
    let slot = this.#keys.get(key);
    if (slot === undefined) {
      slot = this.#allocate();
      this.#keys.set(key, slot);
    }
    return this.decider.decide(this.#state, slot * this.#stride, now, cost);
  }

  reset(key: string): void {
    this.#keys.delete(key);
  }

  #allocate(): number {
    const slot = this.#free.length > 0 ? (this.#free.pop() as number) : this.#used++;
    if (slot >= this.#capacity) this.#grow();
    const o = slot * this.#stride;
    this.#state.fill(0, o, o + this.#stride);
    return slot;
  }

  #grow(): void {
    const capacity = Math.min(this.maxKeys + 1, this.#capacity * 2);
    const next = new Float64Array(capacity * this.#stride);
    next.set(this.#state);
    this.#state = next;
    this.#capacity = capacity;
  }

  #release(slot: number, reason: string): void {
    if (reason === 'evict') {
      let o = slot * this.#stride;
      for (const r of this.decider.rules) {
        if (!isIdle(r, this.#state, o, this.#now)) {
          this.evictedActive++;
          break;
        }
        o += r.stride;
      }
    }
    this.#free.push(slot);
  }
}
