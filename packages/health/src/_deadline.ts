/**
 * Waiting with a deadline on an injectable clock: the two timing primitives of a shutdown.
 */
import type { Clock, TimerHandle } from '@scaling/core';

/** Resolves after `ms` on `clock` (at once for `ms <= 0`). @internal */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0) resolve();
    else clock.setTimeout(resolve, ms);
  });
}

/** Resolves true when `work` settles within `ms`, false when the deadline passes first (the timer is cleared either way). @internal */
export function within(clock: Clock, work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    let timer: TimerHandle | undefined = clock.setTimeout(() => {
      if (done) return;
      done = true;
      resolve(false);
    }, ms);
    const settle = () => {
      if (done) return;
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      resolve(true);
    };
    work.then(settle, settle);
  });
}
