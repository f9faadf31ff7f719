/**
 * Counters over a sliding time window split into `buckets` slots (the resilience4j / Hystrix rolling window):
 * expired slots are subtracted from running totals as time moves, so `add` and `total` are O(1) amortised.
 */
export class TimeBuckets {
  readonly #n: number;
  readonly #k: number;
  readonly #bucketMs: number;
  readonly #slots: Float64Array;
  readonly #totals: Float64Array;
  /** Absolute index (now / bucketMs) of the newest slot. */
  #head = Number.NEGATIVE_INFINITY;

  /** @param counters - how many counters each slot holds. */
  constructor(windowMs: number, buckets: number, counters: number) {
    this.#n = buckets;
    this.#k = counters;
    this.#bucketMs = windowMs / buckets;
    this.#slots = new Float64Array(buckets * counters);
    this.#totals = new Float64Array(counters);
  }

  #advance(now: number): number {
    const idx = Math.floor(now / this.#bucketMs);
    const head = this.#head;
    if (idx <= head) return head;
    const n = this.#n;
    const k = this.#k;
    if (idx - head >= n) {
      this.#slots.fill(0);
      this.#totals.fill(0);
    } else {
      for (let j = head + 1; j <= idx; j++) {
        const base = (((j % n) + n) % n) * k;
        for (let c = 0; c < k; c++) {
          (this.#totals as Float64Array)[c] = (this.#totals[c] as number) - (this.#slots[base + c] as number);
          this.#slots[base + c] = 0;
        }
      }
    }
    this.#head = idx;
    return idx;
  }

  add(now: number, counter: number, amount = 1): void {
    const idx = this.#advance(now);
    const n = this.#n;
    const at = (((idx % n) + n) % n) * this.#k + counter;
    this.#slots[at] = (this.#slots[at] as number) + amount;
    this.#totals[counter] = (this.#totals[counter] as number) + amount;
  }

  total(now: number, counter: number): number {
    this.#advance(now);
    return this.#totals[counter] as number;
  }

  clear(): void {
    this.#slots.fill(0);
    this.#totals.fill(0);
  }
}
