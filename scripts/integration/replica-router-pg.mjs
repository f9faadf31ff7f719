// Integration set-up for @scaling/replica-router-pg: a PostgreSQL primary on 127.0.0.1:5432 and a
// streaming hot-standby replica of it on 127.0.0.1:5433. Idempotent: a replica that is already running is
// reused, a stopped one is started, a missing or broken one is (re)created with pg_basebackup.
//
// It also makes the primary able to feed a replica when it cannot yet: starts it when it is down,
// raises wal_level / max_wal_senders (restart) and adds `replication` lines to pg_hba.conf (reload).
//
// Also runnable on its own: `node scripts/integration/replica-router-pg.mjs` prints the env it returns.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const PRIMARY_PORT = Number(process.env.PRIMARY_PORT ?? 5432);
const REPLICA_PORT = Number(process.env.REPLICA_PORT ?? 5433);
const REPLICA_PGDATA = process.env.REPLICA_PGDATA ?? `/var/lib/postgresql/scaling-replica-${REPLICA_PORT}`;
const REPLICA_LOG = `${REPLICA_PGDATA}.log`;

function log(msg) {
  process.stdout.write(`  [replica-router-pg] ${msg}\n`);
}

/** Highest-version PostgreSQL bin directory under /usr/lib/postgresql (or PG_BINDIR). */
function findBinDir() {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql (set PG_BINDIR)');
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no /usr/lib/postgresql/*/bin/pg_ctl found (set PG_BINDIR)');
  return join(base, versions[0], 'bin');
}

const BIN = findBinDir();
const me = userInfo().username;

/** Runs a command as the OS user postgres (directly when we are postgres, via runuser when root). */
function asPostgres(cmd, args, { check = true } = {}) {
  let file = cmd;
  let argv = args;
  if (me === 'root') {
    file = 'runuser';
    argv = ['-u', 'postgres', '--', cmd, ...args];
  } else if (me !== 'postgres') {
    file = 'sudo';
    argv = ['-n', '-u', 'postgres', cmd, ...args];
  }
  const r = spawnSync(file, argv, { cwd: '/tmp', encoding: 'utf8' });
  if (check && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  }
  return r;
}

/** psql -Atc against host/port as user postgres; returns trimmed stdout, or throws. */
function psql(port, sql, { replication = false, check = true } = {}) {
  const conn = `host=${HOST} port=${port} user=postgres dbname=postgres connect_timeout=5${replication ? ' replication=true' : ''}`;
  const r = spawnSync(join(BIN, 'psql'), ['-X', '-At', conn, '-c', sql], { cwd: '/tmp', encoding: 'utf8' });
  if (check && r.status !== 0) throw new Error(`psql :${port} "${sql}" failed: ${(r.stderr || '').trim()}`);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function isReady(port) {
  return spawnSync(join(BIN, 'pg_isready'), ['-q', '-h', HOST, '-p', String(port)], { cwd: '/tmp' }).status === 0;
}

async function until(timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function clusterVersion() {
  return existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort((a, b) => Number(b) - Number(a))[0] : undefined;
}

async function ensurePrimaryUp() {
  if (isReady(PRIMARY_PORT)) return;
  const version = clusterVersion();
  if (!version) throw new Error(`no PostgreSQL answers on ${HOST}:${PRIMARY_PORT} and /etc/postgresql has no cluster to start`);
  log(`primary is down: starting cluster ${version}/main`);
  const r = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { encoding: 'utf8' });
  if (r.status !== 0 && !isReady(PRIMARY_PORT)) throw new Error(`pg_ctlcluster start failed: ${r.stderr}`);
  if (!(await until(30_000, () => isReady(PRIMARY_PORT)))) throw new Error('primary did not become ready in 30 s');
}

/** wal_level ≥ replica, max_wal_senders ≥ 2, and pg_hba lines for replication connections. */
async function ensurePrimaryCanReplicate() {
  if (psql(PRIMARY_PORT, 'SELECT pg_is_in_recovery()') === 't') throw new Error(`${HOST}:${PRIMARY_PORT} is itself a standby`);
  const walLevel = psql(PRIMARY_PORT, 'SHOW wal_level');
  const senders = Number(psql(PRIMARY_PORT, 'SHOW max_wal_senders'));
  if (walLevel === 'minimal' || senders < 2) {
    log(`primary has wal_level=${walLevel}, max_wal_senders=${senders}: raising them (restart)`);
    psql(PRIMARY_PORT, "ALTER SYSTEM SET wal_level = 'replica'");
    psql(PRIMARY_PORT, 'ALTER SYSTEM SET max_wal_senders = 10');
    const version = clusterVersion();
    if (!version) throw new Error('cannot restart the primary: no cluster under /etc/postgresql');
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { encoding: 'utf8' });
    if (!(await until(30_000, () => isReady(PRIMARY_PORT)))) throw new Error('primary did not come back after restart');
  }
  if (psql(PRIMARY_PORT, 'IDENTIFY_SYSTEM', { replication: true, check: false }) === undefined) {
    const hba = psql(PRIMARY_PORT, 'SHOW hba_file');
    log(`primary refuses replication connections: adding replication lines to ${hba} (reload)`);
    const text = readFileSync(hba, 'utf8');
    writeFileSync(
      hba,
      `# added by scaling's scripts/integration/replica-router-pg.mjs (local streaming replica)\n` +
        `local   replication     all                                     trust\n` +
        `host    replication     all             127.0.0.1/32            trust\n${text}`,
    );
    psql(PRIMARY_PORT, 'SELECT pg_reload_conf()');
    const ok = await until(10_000, () => psql(PRIMARY_PORT, 'IDENTIFY_SYSTEM', { replication: true, check: false }) !== undefined);
    if (!ok) throw new Error(`the primary still refuses replication connections; check ${hba}`);
  }
}

function replicaConf() {
  const copy = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];
  const lines = [
    '# written by scaling scripts/integration/replica-router-pg.mjs',
    `port = ${REPLICA_PORT}`,
    `listen_addresses = '${HOST}'`,
    `unix_socket_directories = '${psql(PRIMARY_PORT, 'SHOW unix_socket_directories').split(',')[0].trim()}'`,
    'hot_standby = on',
    `hba_file = '${psql(PRIMARY_PORT, 'SHOW hba_file')}'`,
    `ident_file = '${psql(PRIMARY_PORT, 'SHOW ident_file')}'`,
    // a hot standby needs these at least as high as on the primary
    ...copy.map((name) => `${name} = ${psql(PRIMARY_PORT, `SHOW ${name}`)}`),
    'shared_buffers = 32MB',
    'wal_receiver_status_interval = 1s',
    "cluster_name = 'scaling-replica'",
  ];
  return `${lines.join('\n')}\n`;
}

async function createReplica() {
  log(`creating a streaming replica in ${REPLICA_PGDATA} with pg_basebackup`);
  asPostgres('rm', ['-rf', REPLICA_PGDATA]);
  asPostgres('mkdir', ['-p', '-m', '0700', REPLICA_PGDATA]);
  asPostgres('chmod', ['0700', REPLICA_PGDATA]);
  asPostgres(join(BIN, 'pg_basebackup'), [
    '-h',
    HOST,
    '-p',
    String(PRIMARY_PORT),
    '-U',
    'postgres',
    '-D',
    REPLICA_PGDATA,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  const conf = replicaConf();
  asPostgres('sh', ['-c', `cat > '${REPLICA_PGDATA}/postgresql.conf' <<'EOF'\n${conf}EOF`]);
}

function startReplica() {
  return (
    asPostgres(join(BIN, 'pg_ctl'), ['-D', REPLICA_PGDATA, '-l', REPLICA_LOG, '-w', '-t', '60', 'start'], { check: false }).status === 0
  );
}

function replicaIsStandby() {
  return psql(REPLICA_PORT, 'SELECT pg_is_in_recovery()', { check: false }) === 't';
}

async function streaming() {
  return until(
    30_000,
    () => psql(REPLICA_PORT, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'", { check: false }) === '1',
  );
}

async function ensureReplica() {
  const hasData =
    existsSync(join(REPLICA_PGDATA, 'PG_VERSION')) ||
    asPostgres('test', ['-f', join(REPLICA_PGDATA, 'PG_VERSION')], { check: false }).status === 0;
  if (isReady(REPLICA_PORT)) {
    if (!replicaIsStandby()) throw new Error(`${HOST}:${REPLICA_PORT} answers but is not a standby: stop it or set REPLICA_PORT`);
    log(`replica already running on ${REPLICA_PORT}`);
  } else if (hasData && startReplica() && replicaIsStandby()) {
    log(`started the existing replica in ${REPLICA_PGDATA}`);
  } else {
    if (hasData) asPostgres(join(BIN, 'pg_ctl'), ['-D', REPLICA_PGDATA, '-m', 'immediate', 'stop'], { check: false });
    await createReplica();
    if (!startReplica()) throw new Error(`the replica did not start; see ${REPLICA_LOG}`);
  }
  // a test run that failed half-way may have left replay paused
  psql(REPLICA_PORT, 'SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()');
  if (!(await streaming())) {
    // e.g. it was stopped so long that the primary recycled the WAL it needs: start over once
    log('replica is not streaming from the primary: re-creating it');
    asPostgres(join(BIN, 'pg_ctl'), ['-D', REPLICA_PGDATA, '-m', 'fast', 'stop'], { check: false });
    await createReplica();
    if (!startReplica() || !(await streaming())) throw new Error(`the replica does not stream from the primary; see ${REPLICA_LOG}`);
  }
}

/** Starts (or reuses) the primary and a streaming replica; returns the env the integration tests read. */
export async function setup() {
  await ensurePrimaryUp();
  await ensurePrimaryCanReplicate();
  await ensureReplica();
  log(`primary ${HOST}:${PRIMARY_PORT}, streaming replica ${HOST}:${REPLICA_PORT}`);
  return {
    PRIMARY_URL: `postgres://postgres@${HOST}:${PRIMARY_PORT}/postgres`,
    REPLICA_URL: `postgres://postgres@${HOST}:${REPLICA_PORT}/postgres`,
    REPLICA_PGDATA,
    PG_BINDIR: BIN,
  };
}

/** Leaves the replica running for the next run (restarted if a test stopped it), never with replay paused. */
export async function teardown() {
  if (!isReady(REPLICA_PORT)) startReplica();
  psql(REPLICA_PORT, 'SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()', { check: false });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = await setup();
  for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`);
}
