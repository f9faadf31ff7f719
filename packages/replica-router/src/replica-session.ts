import { assertNonNegativeFinite, describeValue } from '@scaling/core/internal';
import type { ReadYourWritesMode } from './replica-router-options.js';

/**
 * A read-your-writes session: what one user (request, unit of work) last wrote. Create one with
 * `ReplicaRouter.session()` and pass it to every read and write made for that user.
 *
 * It carries the time of its last write (for `'time'` mode) and the highest replication position it
 * has written at (for `'position'` mode). Copy the token across processes with `position` (for instance
 * in a cookie, as GitLab does) and restore it with {@link ReplicaSession.observe}.
 */
export class ReplicaSession {
  /** Clock reading of the last write in milliseconds (`-Infinity` before any). */
  lastWriteAt = Number.NEGATIVE_INFINITY;
  /** Replication position of the last write (0 before any): reads need a replica that replayed at least this far. */
  position = 0;

  /**
   * Raise the token to `position` (e.g. one received from another process). Lower values are ignored.
   * @throws {RangeError} when `position` is not a non-negative finite number.
   */
  observe(position: number): void {
    if (typeof position !== 'number' || !Number.isFinite(position) || position < 0)
      throw new RangeError(`Expected \`position\` to be a non-negative finite number, got ${String(position)}`);
    if (position > this.position) this.position = position;
  }
}

/**
 * @internal `recordWrite`'s arguments checked: the position to raise `session`'s token to, or `undefined` when none
 * was given (allowed outside `'position'` mode).
 * @throws {TypeError} when `session` is not a session, or `position` is missing in `'position'` mode or not a number.
 * @throws {RangeError} when `position` is negative, `NaN` or infinite.
 */
export function writePosition(session: ReplicaSession, position: number | undefined, mode: ReadYourWritesMode): number | undefined {
  if (typeof session !== 'object' || session === null || typeof session.position !== 'number')
    throw new TypeError(`Expected \`session\` to be a ReplicaSession, got ${describeValue(session)}`);
  if (position === undefined && mode !== 'position') return undefined;
  if (position === undefined)
    throw new TypeError(
      "Expected `position` (the primary's replication position after the write) in 'position' read-your-writes mode, got undefined",
    );
  assertNonNegativeFinite('position', position);
  return position;
}
