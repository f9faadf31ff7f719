// Helpers for the integration tests: admin connections to the primary and the replica that
// scripts/integration/replica-router-pg.mjs started, replay pause/resume, and pg_ctl for the replica.
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PRIMARY_URL = process.env.PRIMARY_URL ?? '';
export const REPLICA_URL = process.env.REPLICA_URL ?? '';
export const REPLICA_PGDATA = process.env.REPLICA_PGDATA ?? '';
export const PG_BINDIR = process.env.PG_BINDIR ?? '';
export const haveServers = PRIMARY_URL !== '' && REPLICA_URL !== '' && REPLICA_PGDATA !== '' && PG_BINDIR !== '';

export const PRIMARY_PORT = haveServers ? Number(new URL(PRIMARY_URL).port) : 0;
export const REPLICA_PORT = haveServers ? Number(new URL(REPLICA_URL).port) : 0;

/** One statement on a fresh connection (the replica restarts in one test, so nothing is kept open). */
export async function admin<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Polls `fn` until it returns true (real servers take real time), failing after `timeoutMs`. */
export async function eventually(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function pauseReplay(): Promise<void> {
  await admin(REPLICA_URL, 'SELECT pg_wal_replay_pause()');
  await eventually(
    'replay to pause',
    async () => (await admin(REPLICA_URL, 'SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused',
  );
}

export async function resumeReplay(): Promise<void> {
  await admin(REPLICA_URL, 'SELECT pg_wal_replay_resume()');
}

/** Waits until the replica has replayed everything the primary has written so far. */
export async function replicaCaughtUp(): Promise<void> {
  const [{ lsn }] = (await admin<{ lsn: string }>(PRIMARY_URL, 'SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }];
  await eventually(
    'the replica to replay up to the primary',
    async () => (await admin<{ ok: boolean }>(REPLICA_URL, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok === true,
  );
}

/** pg_ctl on the replica's data directory, as the OS user postgres. */
export function replicaCtl(action: 'start' | 'stop'): void {
  const ctl = join(PG_BINDIR, 'pg_ctl');
  const args =
    action === 'start'
      ? ['-D', REPLICA_PGDATA, '-l', `${REPLICA_PGDATA}.log`, '-w', 'start']
      : ['-D', REPLICA_PGDATA, '-m', 'fast', '-w', 'stop'];
  const me = userInfo().username;
  const r =
    me === 'root'
      ? spawnSync('runuser', ['-u', 'postgres', '--', ctl, ...args], { cwd: '/tmp', encoding: 'utf8' })
      : spawnSync(ctl, args, { cwd: '/tmp', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg_ctl ${action} failed: ${r.stderr || r.stdout}`);
}

export async function replicaIsUp(): Promise<boolean> {
  try {
    await admin(REPLICA_URL, 'SELECT 1');
    return true;
  } catch {
    return false;
  }
}
