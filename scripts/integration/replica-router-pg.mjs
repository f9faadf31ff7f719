// Integration set-up for @scaling/replica-router-pg: a PRIVATE PostgreSQL primary and a streaming
// hot-standby replica of it, created with the machine's PostgreSQL binaries in a temporary directory,
// on free loopback ports. The machine's own PostgreSQL server (if any) is never touched: nothing here
// connects to it, reconfigures it, restarts it or edits its files.
//
//   initdb (trust auth, loopback only, its own socket directory) → pg_ctl start → pg_basebackup -R
//   (streaming standby) → pg_ctl start → wait until the standby streams.
//
// Reuse: the clusters' ports and directory are recorded in <dir>/state.json; a later setup() that finds
// both still answering (for instance after `node scripts/integration/replica-router-pg.mjs start`, or
// when a run was killed before its teardown) reuses them instead of creating new ones.
// Teardown: stops and deletes the clusters this setup() created (never ones it reused), unless
// SCALING_PG_KEEP=1 is set (then the next run reuses them).
//
// PostgreSQL refuses to run as root: as root every server command runs as the OS user `postgres`
// (`runuser -u postgres`), and the directory belongs to that user; as any other user they run as that user.
//
// Standalone: `node scripts/integration/replica-router-pg.mjs [start]` starts (or reuses) the clusters,
// leaves them running and prints the env; `… stop` stops and deletes them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const me = userInfo();
const runAs = me.uid === 0 ? 'postgres' : me.username;
/** One directory per OS user and checkout, so parallel users and worktrees never share (or remove) each other's clusters. */
const checkout = createHash('sha256')
  .update(fileURLToPath(new URL('../..', import.meta.url)))
  .digest('hex')
  .slice(0, 10);
const DIR = process.env.SCALING_PG_DIR ?? join(tmpdir(), `scaling-replica-router-pg-${me.uid}-${checkout}`);
const STATE = join(DIR, 'state.json');
const PRIMARY_PGDATA = join(DIR, 'primary');
const REPLICA_PGDATA = join(DIR, 'replica');

function log(msg) {
  process.stdout.write(`  [replica-router-pg] ${msg}\n`);
}

/** PG_BINDIR, else the highest-version PostgreSQL bin directory under /usr/lib/postgresql. */
function findBinDir() {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql (set PG_BINDIR)');
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no /usr/lib/postgresql/*/bin/initdb found (set PG_BINDIR)');
  return join(base, versions[0], 'bin');
}

/** Runs a command as the server's OS user (directly unless we are root), bounded in time. */
function run(cmd, args, { check = true, timeoutMs = 120_000 } = {}) {
  const [file, argv] = me.uid === 0 ? ['runuser', ['-u', runAs, '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { cwd: tmpdir(), encoding: 'utf8', timeout: timeoutMs });
  if (check && r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
  }
  return r;
}

function psql(bin, port, sql) {
  const conn = `host=${HOST} port=${port} user=postgres dbname=postgres connect_timeout=5`;
  const r = spawnSync(join(bin, 'psql'), ['-X', '-At', conn, '-c', sql], { cwd: tmpdir(), encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function isReady(bin, port) {
  return spawnSync(join(bin, 'pg_isready'), ['-q', '-h', HOST, '-p', String(port)], { cwd: tmpdir(), timeout: 10_000 }).status === 0;
}

async function until(timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A loopback port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function readState() {
  try {
    return JSON.parse(readFileSync(STATE, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the recorded clusters are ours and up: the primary answers, the replica is a streaming standby of it. */
function reusable(state) {
  if (!state || !isReady(state.bin, state.primaryPort) || !isReady(state.bin, state.replicaPort)) return false;
  const dataDir = psql(state.bin, state.primaryPort, 'SHOW data_directory');
  if (dataDir !== state.primaryPgdata) return false;
  return psql(state.bin, state.replicaPort, 'SELECT pg_is_in_recovery()') === 't';
}

function serverConf(port) {
  return [
    '# private test cluster of scaling scripts/integration/replica-router-pg.mjs',
    `port = ${port}`,
    `listen_addresses = '${HOST}'`,
    `unix_socket_directories = '${DIR}'`,
    'wal_level = replica',
    'max_wal_senders = 10',
    'hot_standby = on',
    'wal_receiver_status_interval = 1s',
    'shared_buffers = 32MB',
    'max_connections = 100',
    // a throw-away cluster: durability is not needed, speed is
    'fsync = off',
    'full_page_writes = off',
    "cluster_name = 'scaling-test'",
    '',
  ].join('\n');
}

function writeAs(path, text) {
  run('sh', ['-c', `cat > '${path}' <<'SCALING_EOF'\n${text}SCALING_EOF`]);
}

function appendAs(path, text) {
  run('sh', ['-c', `cat >> '${path}' <<'SCALING_EOF'\n${text}SCALING_EOF`]);
}

function stopCluster(bin, pgdata) {
  if (run('test', ['-f', join(pgdata, 'postmaster.pid')], { check: false }).status === 0)
    run(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', '-w', '-t', '30', 'stop'], { check: false });
}

function removeAll(bin) {
  stopCluster(bin, REPLICA_PGDATA);
  stopCluster(bin, PRIMARY_PGDATA);
  run('rm', ['-rf', DIR], { check: false });
  if (existsSync(DIR)) spawnSync('rm', ['-rf', DIR]);
}

async function create(bin) {
  removeAll(bin);
  const primaryPort = await freePort();
  let replicaPort = await freePort();
  while (replicaPort === primaryPort) replicaPort = await freePort();
  log(`creating a private primary (${HOST}:${primaryPort}) and streaming replica (${HOST}:${replicaPort}) in ${DIR}`);
  run('mkdir', ['-p', '-m', '0700', DIR]);
  run(join(bin, 'initdb'), ['-D', PRIMARY_PGDATA, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  // initdb's pg_hba.conf with --auth=trust already allows replication connections from 127.0.0.1
  appendAs(join(PRIMARY_PGDATA, 'postgresql.conf'), serverConf(primaryPort));
  run(join(bin, 'pg_ctl'), ['-D', PRIMARY_PGDATA, '-l', join(DIR, 'primary.log'), '-w', '-t', '60', 'start']);
  run(join(bin, 'pg_basebackup'), [
    '-h',
    HOST,
    '-p',
    String(primaryPort),
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
  // the copied postgresql.conf carries the primary's port: the last setting wins
  appendAs(join(REPLICA_PGDATA, 'postgresql.conf'), `port = ${replicaPort}\n`);
  run(join(bin, 'pg_ctl'), ['-D', REPLICA_PGDATA, '-l', join(DIR, 'replica.log'), '-w', '-t', '60', 'start']);
  const state = { bin, primaryPort, replicaPort, primaryPgdata: PRIMARY_PGDATA, replicaPgdata: REPLICA_PGDATA };
  writeAs(STATE, `${JSON.stringify(state)}\n`);
  return state;
}

async function streaming(state) {
  return until(
    30_000,
    () => psql(state.bin, state.replicaPort, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'") === '1',
  );
}

/** Whether the last setup() created the clusters (then its teardown removes them). */
let created = false;

/** Starts (or reuses) a private primary and streaming replica; returns the env the integration tests read. */
export async function setup() {
  const bin = findBinDir();
  let state = readState();
  if (reusable(state)) {
    log(`reusing the private primary ${HOST}:${state.primaryPort} and replica ${HOST}:${state.replicaPort} in ${DIR}`);
    created = false;
  } else {
    state = await create(bin);
    created = true;
  }
  // a run that failed half-way may have left replay paused
  psql(bin, state.replicaPort, 'SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()');
  if (!(await streaming(state))) throw new Error(`the private replica does not stream from its primary; see ${join(DIR, 'replica.log')}`);
  return {
    PRIMARY_URL: `postgres://postgres@${HOST}:${state.primaryPort}/postgres`,
    REPLICA_URL: `postgres://postgres@${HOST}:${state.replicaPort}/postgres`,
    PRIMARY_PGDATA: state.primaryPgdata,
    REPLICA_PGDATA: state.replicaPgdata,
    PG_BINDIR: state.bin,
  };
}

/** Stops and deletes the clusters setup() created (kept with SCALING_PG_KEEP=1; reused ones are left running). */
export async function teardown() {
  if (!created || process.env.SCALING_PG_KEEP === '1') {
    const state = readState();
    if (state && !isReady(state.bin, state.replicaPort))
      run(join(state.bin, 'pg_ctl'), ['-D', state.replicaPgdata, '-l', join(DIR, 'replica.log'), '-w', '-t', '60', 'start'], {
        check: false,
      });
    return;
  }
  log(`stopping and removing the private clusters in ${DIR}`);
  removeAll(readState()?.bin ?? findBinDir());
  created = false;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === 'stop') {
    removeAll(readState()?.bin ?? findBinDir());
    log('stopped');
  } else {
    const env = await setup();
    for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`);
  }
}
