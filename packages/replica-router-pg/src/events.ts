/**
 * Events of {@link ReplicatedPool} (subscribe with `pool.on(event, listener)`, which returns an
 * unsubscribe function); `read-retried` is also published on `node:diagnostics_channel` as
 * `scaling:replica-router-pg:read-retried` (payload plus `source`, the pool). See docs/events.md.
 * Replica eligibility changes are the router's: `pool.router.on('eligibility', …)`.
 */
export type ReplicatedPoolEvents = {
  /**
   * A read failed on a replica and was sent elsewhere: `'read-only'` (SQLSTATE 25006: the statement
   * wrote after all, e.g. through an application function not in `writeFunctions` — retried once on the
   * primary, and that text goes to the primary from then on), `'recovery-conflict'` (SQLSTATE 40001
   * on a standby — retried once on the primary) or `'connection'` (the replica is marked down and the
   * read retried on another replica or the primary).
   */
  'read-retried': {
    /** The replica the read failed on. */
    replica: string;
    /** Why it was retried. */
    reason: 'read-only' | 'recovery-conflict' | 'connection';
    /** The replica's error. */
    error: unknown;
  };
  /**
   * An idle connection of the primary's or a replica's pool failed (pg's pool `'error'` event; the pool
   * has already discarded the connection, and a replica's is marked down). The payload is the `Error`
   * itself, so `pool.on('error', (err) => …)` works as with `pg.Pool`. Without a listener such errors are
   * dropped rather than crashing the process.
   */
  error: Error;
};

/** The event names of {@link ReplicatedPool}. @internal */
export const REPLICATED_POOL_EVENTS = ['read-retried', 'error'] as const satisfies ReadonlyArray<keyof ReplicatedPoolEvents>;
