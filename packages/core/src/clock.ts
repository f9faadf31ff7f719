import { describeValue } from './validate.js';

/**
 * An opaque handle for a timer scheduled through a {@link Clock}.
 */
export type TimerHandle = object;

/**
 * A monotonic millisecond clock that can also schedule timers, so every time-based primitive can be
 * driven by a {@link ManualClock} in tests instead of sleeping.
 *
 * Units: milliseconds. `now()` must never go backwards.
 */
export interface Clock {
  /** Current time in milliseconds (monotonic; the origin is arbitrary). */
  now(): number;
  /**
   * Run `callback` once after `delayMs` milliseconds. Real timers are `unref()`ed so they never keep a
   * process alive.
   */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancel a timer returned by {@link Clock.setTimeout}. Cancelling twice, or after it fired, is a no-op. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The process clock: `performance.now()` (monotonic, sub-millisecond) and Node's timers, `unref()`ed.
 *
 * @example
 * ```ts
 * import { systemClock } from '@scaling/core';
 * const t0 = systemClock.now();
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * The wall clock: `Date.now()` (milliseconds since the epoch) and Node's timers, `unref()`ed. Use it where
 * times are compared **across processes** (an entry's write time in a shared cache, a job's deadline);
 * use {@link systemClock} for durations inside one process (it is monotonic, this one is not).
 *
 * @example
 * ```ts
 * import { wallClock } from '@scaling/core';
 * const enqueuedAt = wallClock.now(); // comparable with another instance's wallClock.now()
 * ```
 */
export const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout: systemClock.setTimeout,
  clearTimeout: systemClock.clearTimeout,
};

/** A timer of a {@link ManualClock} (a class, so `clearTimeout` can tell its own handles from anything else). */
class ManualTimer {
  due: number;
  seq: number;
  callback: (() => void) | undefined;
  constructor(due: number, seq: number, callback: () => void) {
    this.due = due;
    this.seq = seq;
    this.callback = callback;
  }
}

/**
 * A clock for tests: time moves only when told to, and timers fire in due-time order (ties in
 * scheduling order) with `now()` set to each timer's due time while it runs.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@scaling/core';
 * const clock = new ManualClock();
 * clock.setTimeout(() => console.log('fired at', clock.now()), 100);
 * clock.advance(150); // logs "fired at 100"
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  /** Binary min-heap ordered by (due, seq). */
  #heap: ManualTimer[] = [];

  /**
   * @param start - initial reading in milliseconds (default 0).
   * @throws {RangeError} when `start` is not a finite number.
   */
  constructor(start = 0) {
    if (typeof start !== 'number' || !Number.isFinite(start)) {
      throw new RangeError(`Expected \`start\` to be a finite number, got ${String(start)}`);
    }
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Number of timers scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    let n = 0;
    for (const t of this.#heap) if (t.callback !== undefined) n++;
    return n;
  }

  /**
   * Schedules `callback` at `now() + delayMs` (like Node, a delay that is not a positive finite number means 0).
   * @throws {TypeError} when `callback` is not a function (checked here, not later inside `advance`).
   */
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    if (typeof callback !== 'function') throw new TypeError(`Expected \`callback\` to be a function, got ${describeValue(callback)}`);
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer = new ManualTimer(this.#now + delay, this.#seq++, callback);
    this.#push(timer);
    return timer;
  }

  /**
   * Cancels a timer of this clock. Like Node's `clearTimeout`, anything else — `undefined`, `null`, a handle that
   * already fired or was cancelled, a foreign object — is a no-op.
   */
  clearTimeout(handle: TimerHandle | undefined | null): void {
    if (handle instanceof ManualTimer) handle.callback = undefined;
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due on the way (including timers that
   * those timers schedule inside the window).
   * @throws {RangeError} when `ms` is negative or not finite.
   */
  advance(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Expected \`ms\` to be a non-negative finite number, got ${String(ms)}`);
    }
    this.#runUntil(this.#now + ms);
  }

  /**
   * Set the absolute time, firing timers due on the way.
   * @throws {RangeError} when `ms` is earlier than `now()` (the clock is monotonic).
   */
  set(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < this.#now) {
      throw new RangeError(`Expected \`ms\` to be a finite number ≥ now (${this.#now}), got ${String(ms)}`);
    }
    this.#runUntil(ms);
  }

  /**
   * Like {@link ManualClock.advance}, but lets promise callbacks and I/O callbacks run after each timer
   * (awaits a `setImmediate` turn), so async code driven by timers makes progress as it would in real time.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Expected \`ms\` to be a non-negative finite number, got ${String(ms)}`);
    }
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#peekLive();
      if (next === undefined || next.due > target) break;
      this.#pop();
      this.#now = next.due;
      const cb = next.callback;
      next.callback = undefined;
      cb?.();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Fire every pending timer (and those they schedule), up to `limit` timers. Returns the number fired. */
  runAll(limit = 10_000): number {
    let fired = 0;
    for (;;) {
      const next = this.#peekLive();
      if (next === undefined || fired >= limit) return fired;
      this.#pop();
      if (next.due > this.#now) this.#now = next.due;
      const cb = next.callback;
      next.callback = undefined;
      cb?.();
      fired++;
    }
  }

  #runUntil(target: number): void {
    for (;;) {
      const next = this.#peekLive();
      if (next === undefined || next.due > target) break;
      this.#pop();
      this.#now = next.due;
      const cb = next.callback;
      next.callback = undefined;
      cb?.();
    }
    this.#now = target;
  }

  #peekLive(): ManualTimer | undefined {
    while (this.#heap.length > 0 && this.#heap[0]?.callback === undefined) this.#pop();
    return this.#heap[0];
  }

  #push(t: ManualTimer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as ManualTimer;
      if (!before(t, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = t;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r] as ManualTimer, h[l] as ManualTimer) ? r : l;
      const child = h[c] as ManualTimer;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: ManualTimer, b: ManualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
