import type { FailureReason } from './options.js';

/**
 * The events of a {@link Queue} (see `docs/events.md`): subscribe with `queue.on(event, listener)`, which returns an
 * unsubscribe function; each is also published on `node:diagnostics_channel` as `scaling:queue:<event>` with the
 * payload plus `source` (the queue). Nothing is built or published when nobody listens.
 */
export type QueueEvents = {
  /**
   * An accepted task will not complete: the moments the dead-letter hook `onFailed` sees (failed for good, timed
   * out, cleared, closed), after its promise rejected.
   */
  failed: {
    /** The last attempt's error, or the reason the task was dropped (timeout, clear, close). */
    error: unknown;
    /** Why the task will not complete. */
    reason: FailureReason;
    /** Attempts made (0 when the task was dropped before it ever started). */
    attempts: number;
    /** The task's priority. */
    priority: number;
  };
  /** A failed attempt will be retried after `delayMs`. */
  retry: {
    /** The failed attempt's error. */
    error: unknown;
    /** The attempt that failed, from 1. */
    attempt: number;
    /** Backoff before the task rejoins the queue, in ms. */
    delayMs: number;
    /** The task's priority. */
    priority: number;
  };
  /** `add` was refused for lack of room (`ERR_QUEUE_FULL`), or `tryAdd` returned `undefined` for it. */
  full: {
    /** Tasks waiting in the queue when the add was refused. */
    size: number;
    /** The queue's `maxQueued` limit. */
    maxQueued: number;
  };
};
