import type { ReplicaProbeResult } from '@scaling/replica-router';
import type { Pool } from 'pg';
import { NoPositionError } from './errors.js';
import { parseLsn } from './lsn.js';

/** The SQL of the read-your-writes token: the primary's WAL insert position, or its replay position when it is itself a standby. */
const TOKEN_SQL =
  'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn, pg_is_in_recovery() AS standby';
/** The primary's position that lag in bytes is measured against. */
const PRIMARY_LSN_SQL = 'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn';
/** One round trip per replica check: standby?, replayed position, byte lag and time since the last replayed commit. */
const REPLICA_SQL = `SELECT pg_is_in_recovery() AS standby,
  pg_last_wal_replay_lsn()::text AS replay,
  pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::float8 AS lag_bytes,
  (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS since_replay_ms`;
/** `ready()`'s check that the primary answers: its WAL position (cheap, and it exercises what the probes need). */
export const PING_SQL = PRIMARY_LSN_SQL;

/**
 * The primary's current WAL position as a byte offset: `pg_current_wal_insert_lsn()`, or
 * `pg_last_wal_replay_lsn()` when the configured primary is itself in recovery.
 * @throws {NoPositionError} when the server reports none.
 */
export async function primaryPosition(primary: Pool): Promise<number> {
  const r = await primary.query<{ lsn: string | null; standby: boolean }>(TOKEN_SQL);
  const row = r.rows[0];
  if (row === undefined || row.lsn === null) {
    throw new NoPositionError(
      `The primary reported no WAL position${row?.standby ? ' (it is a standby in recovery that has not replayed any WAL yet)' : ''}; read-your-writes tokens cannot be taken from it`,
    );
  }
  return parseLsn(row.lsn);
}

/**
 * One probe of a replica: the primary's position, then one round trip to the replica. Throws (with the
 * reason in its message) when the replica cannot serve reads.
 */
export async function probeReplica(primary: Pool, id: string, replica: Pool): Promise<ReplicaProbeResult> {
  let primaryLsn: string | null = null;
  try {
    primaryLsn = (await primary.query<{ lsn: string | null }>(PRIMARY_LSN_SQL)).rows[0]?.lsn ?? null;
  } catch {
    // lag in bytes is unknown this round (the replica stays out while a byte limit is set)
  }
  const row = (
    await replica.query<{ standby: boolean; replay: string | null; lag_bytes: number | null; since_replay_ms: number | null }>(
      REPLICA_SQL,
      [primaryLsn],
    )
  ).rows[0];
  if (row === undefined) throw new Error(`replica ${id} returned no row`);
  if (!row.standby) throw new Error(`replica ${id} is not in recovery (promoted, or not a standby)`);
  const lagBytes = row.lag_bytes === null ? undefined : Math.max(0, row.lag_bytes);
  // caught up → no lag, whatever the age of the last replayed commit (an idle primary commits nothing)
  const lagMs = lagBytes === 0 ? 0 : row.since_replay_ms === null ? undefined : Math.max(0, row.since_replay_ms);
  return {
    ...(lagMs === undefined ? {} : { lagMs }),
    ...(lagBytes === undefined ? {} : { lagBytes }),
    ...(row.replay === null ? {} : { position: parseLsn(row.replay) }),
  };
}
