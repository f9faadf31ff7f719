/**
 * The half-open trials of a circuit breaker: a fixed set of slots (free, pending, done), each pending one with
 * its admission time and timeout timer, and the tally that decides between closing and re-opening.
 */
import type { Clock } from '@scaling/core';
import type { BreakerSettings } from './_breaker-options.js';

/** Half-open slot states. */
const FREE = 0;
const PENDING = 1;
const DONE = 2;

/** The trial slots of one breaker; the breaker owns the timers' callbacks and the epoch rule. */
export class HalfOpenTrials {
  readonly #clock: Clock;
  readonly #calls: number;
  readonly timeoutMs: number;
  readonly #needed: number;
  readonly #slots: Uint8Array;
  readonly #admittedAt: Float64Array;
  readonly #timers: (object | undefined)[];
  #successes = 0;
  #failures = 0;
  /** Set by a refused {@link HalfOpenTrials.take}: ms until the earliest pending trial times out (0 when unknown). */
  retryAfterMs = 0;

  constructor(s: BreakerSettings) {
    const calls = s.trialCalls;
    this.#clock = s.clock;
    this.#calls = calls;
    this.timeoutMs = s.trialTimeoutMs;
    // the fewest successes that reach the ratio (a tiny epsilon absorbs 0.1 × 3 style rounding)
    this.#needed = Math.max(1, Math.ceil(s.successRatio * calls - 1e-9));
    this.#slots = new Uint8Array(calls);
    this.#admittedAt = new Float64Array(calls);
    this.#timers = new Array<object | undefined>(calls).fill(undefined);
  }

  /** Starts a new half-open period: every slot free, no outcome. */
  reset(): void {
    this.#successes = 0;
    this.#failures = 0;
    this.#slots.fill(FREE);
  }

  /** Takes a free slot for a trial admitted at `now`: its index, or -1 (and `retryAfterMs` set) when every trial is taken. */
  take(now: number): number {
    const slots = this.#slots;
    let retryAfter = Number.POSITIVE_INFINITY;
    for (let s = 0; s < slots.length; s++) {
      if (slots[s] === FREE) {
        slots[s] = PENDING;
        this.#admittedAt[s] = now;
        return s;
      }
      if (slots[s] === PENDING) {
        const left = (this.#admittedAt[s] as number) + this.timeoutMs - now;
        if (left < retryAfter) retryAfter = left;
      }
    }
    this.retryAfterMs = retryAfter === Number.POSITIVE_INFINITY ? 0 : Math.max(0, retryAfter);
    return -1;
  }

  /** Keeps the timeout timer of the trial in `slot`. */
  arm(slot: number, timer: object): void {
    this.#timers[slot] = timer;
  }

  /** The timeout timer of `slot` fired: forgets it. */
  fired(slot: number): void {
    this.#timers[slot] = undefined;
  }

  /** Whether the trial in `slot` has not settled yet. */
  pending(slot: number): boolean {
    return this.#slots[slot] === PENDING;
  }

  /** A cancelled trial gives its slot back for another trial. */
  free(slot: number): void {
    if (this.#slots[slot] !== PENDING) return;
    this.clearTimer(slot);
    this.#slots[slot] = FREE;
  }

  /** Settles the pending trial in `slot`: passed (a success, not slow) or failed. */
  settle(slot: number, passed: boolean): void {
    this.clearTimer(slot);
    this.#slots[slot] = DONE;
    if (passed) this.#successes++;
    else this.#failures++;
  }

  /** 1 when enough trials passed to close, -1 when that is out of reach (re-open), 0 while undecided. */
  verdict(): number {
    if (this.#successes >= this.#needed) return 1;
    if (this.#failures > this.#calls - this.#needed) return -1;
    return 0;
  }

  /** Stops the timeout timer of `s`, if any. */
  clearTimer(s: number): void {
    const t = this.#timers[s];
    if (t !== undefined) {
      this.#clock.clearTimeout(t);
      this.#timers[s] = undefined;
    }
  }

  /** Stops every trial timer. */
  clearTimers(): void {
    for (let s = 0; s < this.#timers.length; s++) this.clearTimer(s);
  }
}
