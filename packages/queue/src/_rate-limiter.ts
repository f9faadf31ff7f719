/**
 * Sliding-window-log rate limiter over a ring of the last `limit` start times (a `Float64Array`).
 *
 * A start at time `t` is allowed when fewer than `limit` starts happened in `(t − intervalMs, t]`, i.e. when
 * the oldest of the last `limit` starts is at or before `t − intervalMs`. Because the log holds exact start
 * times there is no bucket boundary and no drift: every half-open window `[s, s + intervalMs)` contains at
 * most `limit` starts. Memory is `8 × limit` bytes; each check and record is O(1) with no allocation.
 * @internal
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly intervalMs: number;
  readonly #starts: Float64Array;
  #head = 0;
  #count = 0;

  constructor(limit: number, intervalMs: number) {
    this.limit = limit;
    this.intervalMs = intervalMs;
    this.#starts = new Float64Array(limit);
  }

  /** Milliseconds until one more start is allowed at `now`; 0 when it is allowed now. */
  waitMs(now: number): number {
    if (this.#count < this.limit) return 0;
    const d = (this.#starts[this.#head] as number) + this.intervalMs - now;
    return Math.max(d, 0);
  }

  /** Logs a start at `now`. Call only when {@link SlidingWindowLimiter.waitMs} returned 0. */
  record(now: number): void {
    const limit = this.limit;
    if (this.#count < limit) {
      let i = this.#head + this.#count;
      if (i >= limit) i -= limit;
      this.#starts[i] = now;
      this.#count++;
    } else {
      this.#starts[this.#head] = now;
      this.#head = this.#head + 1 === limit ? 0 : this.#head + 1;
    }
  }
}
