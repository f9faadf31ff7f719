/**
 * The window a closed circuit breaker judges: the last `size` calls (a ring of outcome bits), the calls of the
 * last `durationMs` (time buckets), or a run of consecutive failures. Records one outcome and says whether the
 * breaker must open, without allocating.
 */
import type { Clock } from '@scaling/core';
import { type BreakerSettings, CONSECUTIVE, COUNT } from './_breaker-options.js';
import { TimeBuckets } from './_time-buckets.js';

/** The closed-state window of one breaker (one of the three kinds, fixed at construction). */
export class SlidingWindow {
  readonly #clock: Clock;
  readonly #kind: 0 | 1 | 2; // count, time, consecutive
  readonly #failureRatio: number;
  readonly #slowRatio: number;
  readonly #minThroughput: number;
  readonly #ring: Uint8Array | undefined;
  #ringPos = 0;
  #ringFilled = 0;
  #winFailures = 0;
  #winSlow = 0;
  readonly #buckets: TimeBuckets | undefined;
  readonly #consecutiveLimit: number;
  #consecutive = 0;

  constructor(s: BreakerSettings) {
    this.#clock = s.clock;
    this.#kind = s.kind;
    this.#failureRatio = s.failureRatio;
    this.#slowRatio = s.slowCallRatio;
    this.#minThroughput = s.minimumThroughput;
    this.#ring = s.kind === COUNT ? new Uint8Array(s.size) : undefined;
    this.#buckets = s.kind === COUNT || s.kind === CONSECUTIVE ? undefined : new TimeBuckets(s.durationMs, s.buckets, 3);
    this.#consecutiveLimit = s.consecutive;
  }

  /** Records the outcome of a call admitted while closed; the reason to open, or `undefined`. */
  record(failed: boolean, slow: boolean): string | undefined {
    let total: number;
    let failures: number;
    let slows: number;
    if (this.#kind === 0) {
      const ring = this.#ring as Uint8Array;
      const pos = this.#ringPos;
      if (this.#ringFilled === ring.length) {
        const old = ring[pos] as number;
        this.#winFailures -= old & 1;
        this.#winSlow -= old >> 1;
      } else {
        this.#ringFilled++;
      }
      ring[pos] = (failed ? 1 : 0) | (slow ? 2 : 0);
      this.#ringPos = pos + 1 === ring.length ? 0 : pos + 1;
      if (failed) this.#winFailures++;
      if (slow) this.#winSlow++;
      total = this.#ringFilled;
      failures = this.#winFailures;
      slows = this.#winSlow;
    } else if (this.#kind === 1) {
      const b = this.#buckets as TimeBuckets;
      const now = this.#clock.now();
      b.add(now, 0);
      if (failed) b.add(now, 1);
      if (slow) b.add(now, 2);
      total = b.total(now, 0);
      failures = b.total(now, 1);
      slows = b.total(now, 2);
    } else {
      if (failed || slow) {
        if (++this.#consecutive >= this.#consecutiveLimit) return 'consecutive-failures';
      } else {
        this.#consecutive = 0;
      }
      return undefined;
    }
    if (total < this.#minThroughput) return undefined;
    if (failures >= this.#failureRatio * total) return 'failure-ratio';
    if (slows >= this.#slowRatio * total) return 'slow-call-ratio';
    return undefined;
  }

  /** Empties the window. */
  clear(): void {
    this.#ringPos = 0;
    this.#ringFilled = 0;
    this.#winFailures = 0;
    this.#winSlow = 0;
    this.#ring?.fill(0);
    this.#buckets?.clear();
    this.#consecutive = 0;
  }
}
