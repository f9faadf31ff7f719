import type { Clock, TimerHandle } from '@scaling/core';

const INF = Number.POSITIVE_INFINITY;

/** The automatic purge of a cache: one `unref()`ed timer, armed for the earliest expiry. */
export class PurgeTimer {
  /** When the timer fires (`Infinity`: not armed). */
  due = INF;
  readonly #clock: Clock;
  readonly #purge: () => void;
  #timer: TimerHandle | undefined = undefined;
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.due = INF;
    this.#purge();
  };

  /** `purge` runs when the timer fires (it removes expired entries and re-arms through {@link schedule}). */
  constructor(clock: Clock, purge: () => void) {
    this.#clock = clock;
    this.#purge = purge;
  }

  /** Arm the timer for `due` unless it is already armed for that time or earlier. */
  schedule(due: number): void {
    if (due >= this.due) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.due = due;
    this.#timer = this.#clock.setTimeout(this.#onTimer, Math.max(0, due - this.#clock.now()));
  }

  /** Disarm the timer. */
  cancel(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.due = INF;
    }
  }
}
