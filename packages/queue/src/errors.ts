import { ScalingError } from '@scaling/core';

/**
 * `add` was refused for lack of room: `maxQueued` tasks wait and `whenFull` is `'reject'` (code `ERR_QUEUE_FULL`).
 * Nothing ran; answer "busy" (HTTP 429) and let the caller back off. `tryAdd` returns `undefined` instead.
 *
 * @example
 * ```ts
 * import { Queue, QueueFullError } from '@scaling/queue';
 * const queue = new Queue({ concurrency: 1, maxQueued: 0 });
 * void queue.add(() => new Promise<void>((r) => setTimeout(r, 10)));
 * await queue.add(async () => 'second').catch((e) => console.log(e instanceof QueueFullError, e.code)); // true ERR_QUEUE_FULL
 * ```
 */
export class QueueFullError extends ScalingError {
  /** The `maxQueued` that was reached. */
  readonly maxQueued: number;
  constructor(maxQueued: number) {
    super('ERR_QUEUE_FULL', `The queue is full (maxQueued ${maxQueued})`);
    this.maxQueued = maxQueued;
  }
  /** `'QueueFullError'`. */
  override get name(): string {
    return 'QueueFullError';
  }
}

/**
 * The queue is closed (code `ERR_QUEUE_CLOSED`): `add` after `close()`, a task dropped by `close({ drain: false })`
 * before it started, or a task still unsettled at the `close({ timeoutMs })` deadline.
 */
export class QueueClosedError extends ScalingError {
  constructor(message = 'The queue is closed') {
    super('ERR_QUEUE_CLOSED', message);
  }
  /** `'QueueClosedError'`. */
  override get name(): string {
    return 'QueueClosedError';
  }
}

/** The task was removed by `clear()` before it started (code `ERR_QUEUE_CLEARED`). */
export class QueueClearedError extends ScalingError {
  constructor(message = 'The task was removed by clear()') {
    super('ERR_QUEUE_CLEARED', message);
  }
  /** `'QueueClearedError'`. */
  override get name(): string {
    return 'QueueClearedError';
  }
}
