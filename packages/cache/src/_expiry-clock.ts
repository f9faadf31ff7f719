import type { Clock, TimerHandle } from '@scaling/core';

const INF = Number.POSITIVE_INFINITY;

/**
 * The time side of a cache's TTL: clock readings reused for `ttlResolution` ms (one short `unref()`ed timer
 * ends the reuse), and the automatic purge timer, armed for the earliest expiry.
 */
export class ExpiryClock {
  /** Whether {@link cachedNow} may be used instead of reading the clock. */
  nowValid = false;
  /** The reading being reused. */
  cachedNow = 0;
  /** When the purge timer fires (`Infinity`: not armed). */
  purgeDue = INF;
  readonly #clock: Clock;
  readonly #resolution: number;
  readonly #purge: () => void;
  #purgeTimer: TimerHandle | undefined = undefined;
  readonly #invalidateNow = (): void => {
    this.nowValid = false;
  };
  readonly #onPurgeTimer = (): void => {
    this.#purgeTimer = undefined;
    this.purgeDue = INF;
    this.nowValid = false;
    this.#purge();
  };

  /** `purge` runs when the purge timer fires (remove expired entries, re-arm through {@link schedulePurge}). */
  constructor(clock: Clock, resolution: number, purge: () => void) {
    this.#clock = clock;
    this.#resolution = resolution;
    this.#purge = purge;
  }

  /** The current time, reused within the resolution window. */
  now(): number {
    return this.nowValid ? this.cachedNow : this.readClock();
  }

  /** Read the clock and, with a resolution, keep the reading until a timer that long fires. */
  readClock(): number {
    const now = this.#clock.now();
    if (this.#resolution > 0) {
      this.cachedNow = now;
      this.nowValid = true;
      this.#clock.setTimeout(this.#invalidateNow, this.#resolution);
    }
    return now;
  }

  /** Arm the purge timer for `due` unless it is already armed for that time or earlier. */
  schedulePurge(due: number): void {
    if (due >= this.purgeDue) return;
    if (this.#purgeTimer !== undefined) this.#clock.clearTimeout(this.#purgeTimer);
    this.purgeDue = due;
    this.#purgeTimer = this.#clock.setTimeout(this.#onPurgeTimer, Math.max(0, due - this.#clock.now()));
  }

  /** Disarm the purge timer. */
  cancelPurge(): void {
    if (this.#purgeTimer !== undefined) {
      this.#clock.clearTimeout(this.#purgeTimer);
      this.#purgeTimer = undefined;
      this.purgeDue = INF;
    }
  }
}
