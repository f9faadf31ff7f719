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
  failed: { error: unknown; reason: FailureReason; attempts: number; priority: number };
  /** A failed attempt will be retried after `delayMs`. */
  retry: { error: unknown; attempt: number; delayMs: number; priority: number };
  /** `add` was refused for lack of room (`ERR_QUEUE_FULL`), or `tryAdd` returned `undefined` for it. */
  full: { size: number; maxQueued: number };
};
