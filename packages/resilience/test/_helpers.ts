// Test helpers shared with the queue's tests (deferred, flush, track), plus the resilience-only ones.
export { type Deferred, deferred, flush, track } from '../../queue/test/_helpers.js';

/** An error with a label, to tell attempts apart. */
export class AttemptError extends Error {
  constructor(readonly n: number) {
    super(`attempt ${n} failed`);
  }
}

/** A promise that never settles (a hung dependency). */
export function never<T = never>(): Promise<T> {
  return new Promise<T>(() => {});
}
