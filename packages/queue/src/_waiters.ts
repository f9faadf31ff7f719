/**
 * The callers of `onIdle()`, `onEmpty()` and `onSizeLessThan(limit)` waiting for their condition. The queue calls
 * {@link Waiters.notify} after every change that can make a condition true; `count` lets the hot path skip it when
 * nobody waits. Resolving a promise runs no user code synchronously, so `notify` cannot be re-entered.
 * @internal
 */
export class Waiters {
  #idle: Array<() => void> = [];
  #empty: Array<() => void> = [];
  #size: Array<{ limit: number; resolve: () => void }> = [];
  /** Callers waiting, all kinds together. */
  count = 0;
  /** Callers waiting on the size (`onEmpty`, `onSizeLessThan`): idle waiters cannot wake while a task runs. A field, not a getter: the hot path reads it. */
  onSize = 0;

  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.count++;
    });
  }

  empty(): Promise<void> {
    return new Promise((resolve) => {
      this.#empty.push(resolve);
      this.count++;
      this.onSize++;
    });
  }

  sizeLessThan(limit: number): Promise<void> {
    return new Promise((resolve) => {
      this.#size.push({ limit, resolve });
      this.count++;
      this.onSize++;
    });
  }

  /**
   * Resolves every waiter whose condition holds.
   * @param size - tasks in the queue.
   * @param empty - nothing queued and nothing waiting for room.
   * @param idle - empty, and nothing running or waiting out a retry backoff.
   */
  notify(size: number, empty: boolean, idle: boolean): void {
    if (this.#size.length > 0) {
      const still: Array<{ limit: number; resolve: () => void }> = [];
      for (const w of this.#size) {
        if (size < w.limit) w.resolve();
        else still.push(w);
      }
      this.count -= this.#size.length - still.length;
      this.onSize -= this.#size.length - still.length;
      this.#size = still;
    }
    if (empty && this.#empty.length > 0) {
      const ws = this.#empty;
      this.#empty = [];
      this.count -= ws.length;
      this.onSize -= ws.length;
      for (const w of ws) w();
    }
    if (idle && this.#idle.length > 0) {
      const ws = this.#idle;
      this.#idle = [];
      this.count -= ws.length;
      for (const w of ws) w();
    }
  }
}
