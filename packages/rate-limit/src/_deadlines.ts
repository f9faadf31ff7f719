import type { Clock, TimerHandle } from '@scaling/core';

/** One pending operation with a deadline; `done` is set when it settled first (the deadline then does nothing). */
export class Deadline {
  readonly at: number;
  readonly onTimeout: () => void;
  done = false;
  constructor(at: number, onTimeout: () => void) {
    this.at = at;
    this.onTimeout = onTimeout;
  }
}

/**
 * Deadlines of one fixed length, so they fall due in the order they were added: a FIFO and one timer for the
 * oldest, instead of a timer per operation (a `setTimeout`/`clearTimeout` pair per Redis command costs more than
 * the rest of the client-side work).
 */
export class Deadlines {
  readonly #clock: Clock;
  readonly #ms: number;
  #queue: Deadline[] = [];
  #head = 0;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#ms = ms;
  }

  add(onTimeout: () => void): Deadline {
    const d = new Deadline(this.#clock.now() + this.#ms, onTimeout);
    this.#queue.push(d);
    if (this.#timer === undefined) this.#arm(this.#ms);
    return d;
  }

  #arm(delay: number): void {
    this.#timer = this.#clock.setTimeout(this.#fire, delay);
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.#clock.now();
    const q = this.#queue;
    while (this.#head < q.length) {
      const d = q[this.#head] as Deadline;
      if (!d.done && d.at > now) break;
      q[this.#head++] = undefined as unknown as Deadline;
      if (!d.done) {
        d.done = true;
        d.onTimeout();
      }
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    this.#arm((this.#queue[this.#head] as Deadline).at - now);
  };
}
