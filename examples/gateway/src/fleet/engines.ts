/**
 * The fleet's private engines: a PostgreSQL primary with a streaming replica, and a Redis server — each
 * started by the demo itself from the machine's binaries, in one temporary directory, on free loopback
 * ports, and torn down at the end (on exit, on error and on Ctrl-C). Nothing here connects to, changes or
 * stops a server the machine already runs.
 *
 * Same approach as scripts/integration/replica-router-pg.mjs: initdb (trust auth, loopback only, its own
 * socket directory) → pg_ctl start → pg_basebackup -R -X stream → pg_ctl start; as root, the PostgreSQL
 * commands run as the OS user `postgres` (PostgreSQL refuses to run as root).
 *
 * Every process id and directory is recorded in a {@link Ledger} so teardown — and the integration test —
 * can check that nothing is left behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const HOST = '127.0.0.1';

/** Everything the demo started that must be gone at the end. */
export interface Ledger {
  /** Process ids of every process started (children, PostgreSQL postmasters, redis-server). */
  pids: number[];
  /** Temporary directories created. */
  dirs: string[];
  /** The PostgreSQL clusters created (their data directories) and the binaries that stop them. */
  pg?: { bin: string; datas: string[] };
}

export interface PostgresPair {
  primaryUrl: string;
  replicaUrl: string;
  primaryPort: number;
  replicaPort: number;
  bin: string;
}

export interface Engines {
  /** The private PostgreSQL primary + replica, or why it could not start. */
  pg: PostgresPair | { skipped: string };
  /** The private Redis, or why it could not start. */
  redis: { url: string; port: number; host: string; pid: number } | { skipped: string };
  /** One line per engine for the summary (what ran, on which port, what was skipped and how to enable it). */
  describe(): string[];
  /** Stops every engine and deletes the directory. Synchronous, idempotent: also safe in an `exit` handler. */
  teardown(): void;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** PG_BINDIR, else the highest-version bin directory under /usr/lib/postgresql; undefined when none. */
function findPgBin(): string | undefined {
  if (process.env.PG_BINDIR) return existsSync(join(process.env.PG_BINDIR, 'initdb')) ? process.env.PG_BINDIR : undefined;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(base, versions[0]!, 'bin');
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

const me = userInfo();
const asRoot = me.uid === 0;

/** Runs a command as the PostgreSQL OS user (directly unless we are root), bounded in time. */
function runPg(cmd: string, args: string[], timeoutMs = 60_000): void {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { cwd: tmpdir(), encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
}

function appendAs(path: string, text: string): void {
  runPg('sh', ['-c', `cat >> '${path}' <<'SCALING_EOF'\n${text}SCALING_EOF`]);
}

function pgConf(port: number, socketDir: string): string {
  return [
    '# private cluster of the scaling fleet demo',
    `port = ${port}`,
    `listen_addresses = '${HOST}'`,
    `unix_socket_directories = '${socketDir}'`,
    'wal_level = replica',
    'max_wal_senders = 5',
    'hot_standby = on',
    'wal_receiver_status_interval = 1s',
    'hot_standby_feedback = on',
    'shared_buffers = 16MB',
    'max_connections = 60',
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    '',
  ].join('\n');
}

function postmasterPid(pgdata: string): number | undefined {
  try {
    const text = asRoot
      ? spawnSync('cat', [join(pgdata, 'postmaster.pid')], { encoding: 'utf8' }).stdout
      : readFileSync(join(pgdata, 'postmaster.pid'), 'utf8');
    const pid = Number(text.split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function psql(bin: string, port: number, sql: string): string | undefined {
  const conn = `host=${HOST} port=${port} user=postgres dbname=postgres connect_timeout=5`;
  const r = spawnSync(join(bin, 'psql'), ['-X', '-At', conn, '-c', sql], { cwd: tmpdir(), encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Starts the engines the fleet needs. `want` says which to try (`--no-pg`/`--no-redis` simulate a machine
 * without them). A missing binary or a failed start is reported in the result, not thrown.
 */
export async function startEngines(ledger: Ledger, log: (line: string) => void, want = { pg: true, redis: true }): Promise<Engines> {
  const root = mkdtempSync(join(tmpdir(), 'scaling-fleet-'));
  ledger.dirs.push(root);
  // The PostgreSQL user must reach its sub-directory.
  chmodSync(root, 0o755);
  const stops: (() => void)[] = [];
  /** The engines' own processes (the ledger holds other processes too). */
  const enginePids: number[] = [];
  const track = (pid: number): void => {
    ledger.pids.push(pid);
    enginePids.push(pid);
  };
  let tornDown = false;
  const teardown = (): void => {
    if (tornDown) return;
    tornDown = true;
    for (const stop of stops.reverse()) {
      try {
        stop();
      } catch {
        // keep tearing down
      }
    }
    rmSync(root, { recursive: true, force: true });
    // Wait (bounded) until every engine process is really gone.
    const deadline = Date.now() + 10_000;
    while (enginePids.some(isAlive) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  };

  const startRedis = async (): Promise<Engines['redis']> => {
    if (!want.redis) return { skipped: 'Redis disabled (--no-redis)' };
    const bin = findOnPath('redis-server');
    if (!bin) return { skipped: 'redis-server not found on PATH — install it (apt-get install redis-server) to run the fleet' };
    const dir = join(root, 'redis');
    mkdirSync(dir);
    const port = await freePort();
    const child: ChildProcess = spawn(
      bin,
      [
        '--port',
        String(port),
        '--bind',
        HOST,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (child.pid === undefined) return { skipped: `redis-server did not start (${bin})` };
    track(child.pid);
    stops.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    // Ready when PING answers.
    const cli = findOnPath('redis-cli');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = cli
        ? spawnSync(cli, ['-h', HOST, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2_000 }).stdout?.trim() === 'PONG'
        : await canConnect(port);
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) return { skipped: `redis-server did not answer on ${HOST}:${port}` };
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`redis-server ${HOST}:${port} (pid ${child.pid}, no persistence, ${dir})`);
    return { url: `redis://${HOST}:${port}`, port, host: HOST, pid: child.pid };
  };

  const startPg = async (): Promise<Engines['pg']> => {
    if (!want.pg) return { skipped: 'PostgreSQL disabled (--no-pg)' };
    const bin = findPgBin();
    if (!bin) return { skipped: 'PostgreSQL binaries not found under /usr/lib/postgresql — install postgresql (or set PG_BINDIR)' };
    if (asRoot && spawnSync('id', ['-u', 'postgres']).status !== 0)
      return { skipped: 'running as root and there is no OS user `postgres` to run PostgreSQL as' };
    const dir = join(root, 'pg');
    mkdirSync(dir, { mode: 0o700 });
    if (asRoot) spawnSync('chown', ['postgres', dir]);
    const primary = join(dir, 'primary');
    const replica = join(dir, 'replica');
    const primaryPort = await freePort();
    let replicaPort = await freePort();
    while (replicaPort === primaryPort) replicaPort = await freePort();
    const stopCluster = (pgdata: string): void => {
      const pid = postmasterPid(pgdata);
      if (pid === undefined) return;
      const [file, argv] = asRoot
        ? ['runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', pgdata, '-m', 'immediate', '-w', '-t', '20', 'stop']]
        : [join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', '-w', '-t', '20', 'stop']];
      spawnSync(file, argv, { cwd: tmpdir(), timeout: 30_000 });
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    ledger.pg = { bin, datas: [replica, primary] };
    try {
      runPg(join(bin, 'initdb'), ['-D', primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
      appendAs(join(primary, 'postgresql.conf'), pgConf(primaryPort, dir));
      stops.push(() => stopCluster(primary));
      runPg(join(bin, 'pg_ctl'), ['-D', primary, '-l', join(dir, 'primary.log'), '-w', '-t', '60', 'start']);
      const primaryPid = postmasterPid(primary);
      if (primaryPid) track(primaryPid);
      runPg(join(bin, 'pg_basebackup'), [
        '-h',
        HOST,
        '-p',
        String(primaryPort),
        '-U',
        'postgres',
        '-D',
        replica,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
      ]);
      appendAs(join(replica, 'postgresql.conf'), `port = ${replicaPort}\n`);
      stops.unshift(() => stopCluster(replica)); // stopped before the primary
      runPg(join(bin, 'pg_ctl'), ['-D', replica, '-l', join(dir, 'replica.log'), '-w', '-t', '60', 'start']);
      const replicaPid = postmasterPid(replica);
      if (replicaPid) track(replicaPid);
      const deadline = Date.now() + 30_000;
      while (psql(bin, replicaPort, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'") !== '1') {
        if (Date.now() > deadline) throw new Error(`the replica does not stream; see ${join(dir, 'replica.log')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (error) {
      return { skipped: `PostgreSQL could not start: ${error instanceof Error ? error.message : String(error)}` };
    }
    log(`PostgreSQL primary ${HOST}:${primaryPort} + streaming replica ${HOST}:${replicaPort} (${bin}, ${dir})`);
    return {
      primaryUrl: `postgres://postgres@${HOST}:${primaryPort}/postgres`,
      replicaUrl: `postgres://postgres@${HOST}:${replicaPort}/postgres`,
      primaryPort,
      replicaPort,
      bin,
    };
  };

  try {
    const [redis, pg] = await Promise.all([startRedis(), startPg()]);
    return {
      pg,
      redis,
      teardown,
      describe() {
        return [
          'skipped' in pg
            ? `PostgreSQL  skipped: ${pg.skipped}`
            : `PostgreSQL  real: private primary :${pg.primaryPort} + streaming replica :${pg.replicaPort} (${pg.bin})`,
          'skipped' in redis ? `Redis       skipped: ${redis.skipped}` : `Redis       real: private redis-server :${redis.port}`,
        ];
      },
    };
  } catch (error) {
    teardown();
    throw error;
  }
}

/** Whether a process with this id exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    import('node:net').then(({ connect }) => {
      const s = connect(port, HOST);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  });
}
