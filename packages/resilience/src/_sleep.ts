import type { Clock } from '@scaling/core';
import type { AbortHook, CallContext } from './_context.js';
import { NOT_ABORTED } from './_context.js';

/** A sleep on `clock` that ends early (rejecting with the reason) when `ctx` aborts, leaving no hook behind. */
class Sleeper implements AbortHook {
  readonly #clock: Clock;
  readonly #ctx: CallContext;
  #timer: object | undefined;
  #resolve!: () => void;
  #reject!: (e: unknown) => void;
  readonly promise: Promise<void>;
  constructor(clock: Clock, ctx: CallContext, ms: number) {
    this.#clock = clock;
    this.#ctx = ctx;
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    ctx.addHook(this);
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.#ctx.removeHook(this);
      this.#resolve();
    }, ms);
  }
  onAbort(reason: unknown): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#reject(reason);
  }
}

export function sleep(clock: Clock, ctx: CallContext, ms: number): Promise<void> {
  const r = ctx.reason;
  if (r !== NOT_ABORTED) return Promise.reject(r);
  return new Sleeper(clock, ctx, ms).promise;
}
