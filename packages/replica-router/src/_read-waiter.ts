import { type Clock, Histogram, type TimerHandle } from '@scaling/core';
import type { ReplicaLease } from './replica-balancer.js';

/** A `forReadAsync` call waiting for a replica to catch up with its session. */
export interface Waiter<P, R> {
  minPosition: number;
  key: string | undefined;
  resolve: (lease: ReplicaLease<P | R>) => void;
  reject: (error: unknown) => void;
  timer: TimerHandle | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  startedAt: number;
}

/** Stops a settled waiter's timer and its listening to its signal. */
export function settle(
  clock: Clock,
  w: { timer: TimerHandle | undefined; signal: AbortSignal | undefined; onAbort: (() => void) | undefined },
): void {
  if (w.timer !== undefined) clock.clearTimeout(w.timer);
  w.timer = undefined;
  if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort);
  w.onAbort = undefined;
}

/**
 * The router's `forReadAsync` calls waiting for a replica to catch up: each one's timer and abort listener,
 * the `waits` and `aborted` counters and the `waitDuration` histogram. Off the routing path: only a call
 * that waits comes here; the router decides who is woken and how a wait ends.
 */
export class ReadWaits<P, R> {
  /** The waiting calls, oldest first (the router replaces the array when it wakes some). */
  waiters: Waiter<P, R>[] = [];
  /** Calls that waited. */
  waits = 0;
  /** Waits ended by their signal. */
  aborted = 0;
  /** How long the settled waits took, in ms. */
  readonly duration = new Histogram();
  readonly #clock: Clock;
  readonly #maxWaitMs: number;
  readonly #onWait: (() => void) | undefined;
  readonly #timedOut: (w: Waiter<P, R>) => void;

  /** `timedOut` gets a waiter whose `maxWaitMs` ran out, already taken off the list (still to settle). */
  constructor(clock: Clock, maxWaitMs: number, onWait: (() => void) | undefined, timedOut: (w: Waiter<P, R>) => void) {
    this.#clock = clock;
    this.#maxWaitMs = maxWaitMs;
    this.#onWait = onWait;
    this.#timedOut = timedOut;
  }

  /** A new wait for a replica at `minPosition` (up to `maxWaitMs`; `signal` rejects it with its reason). */
  wait(minPosition: number, key: string | undefined, signal: AbortSignal | undefined): Promise<ReplicaLease<P | R>> {
    this.waits++;
    return new Promise<ReplicaLease<P | R>>((resolve, reject) => {
      const waiter: Waiter<P, R> = {
        minPosition,
        key,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
        startedAt: this.#clock.now(),
      };
      waiter.timer = this.#clock.setTimeout(() => {
        waiter.timer = undefined;
        this.remove(waiter);
        this.#timedOut(waiter);
      }, this.#maxWaitMs);
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.remove(waiter);
          this.settle(waiter);
          this.aborted++;
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      const onWait = this.#onWait;
      if (onWait !== undefined) {
        try {
          onWait();
        } catch (e) {
          // a user callback: visible, but it never leaves the router with a stranded waiter
          process.nextTick(() => {
            throw e;
          });
        }
      }
    });
  }

  /** A waiter is done: its timer and signal listener go, its wait is measured. */
  settle(w: Waiter<P, R>): void {
    settle(this.#clock, w);
    this.duration.record(this.#clock.now() - w.startedAt);
  }

  /** Takes `w` off the list (no-op when it is not there). */
  remove(w: Waiter<P, R>): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /**
   * Takes out the waiters whose wait is over, each with its replica lease from `lease(w)`, or — every one when
   * `serving` is false (no replica can serve them any more) — with `undefined`, the primary now. The rest stay.
   */
  due(serving: boolean, lease: (w: Waiter<P, R>) => ReplicaLease<R> | undefined): Array<[Waiter<P, R>, ReplicaLease<R> | undefined]> {
    const still: Waiter<P, R>[] = [];
    const ready: Array<[Waiter<P, R>, ReplicaLease<R> | undefined]> = [];
    for (const w of this.waiters) {
      if (!serving) {
        ready.push([w, undefined]); // no replica can serve it any more: the primary, now
        continue;
      }
      const l = lease(w);
      if (l === undefined) still.push(w);
      else ready.push([w, l]);
    }
    this.waiters = still;
    return ready;
  }
}
