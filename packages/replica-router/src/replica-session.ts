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
