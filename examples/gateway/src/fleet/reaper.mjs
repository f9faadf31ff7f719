// The fleet demo's reaper: a detached process (its own process group, so Ctrl-C does not reach it) that the
// driver forks first and keeps informed of every process id, PostgreSQL data directory and temporary
// directory it creates. When the driver's IPC channel closes without a `done` message — the driver
// crashed, was killed (even with SIGKILL), or was interrupted before it finished its own teardown — the
// reaper stops the PostgreSQL clusters, kills the recorded processes and deletes the directories.
// Plain JavaScript, run by plain `node`: it must start fast and depend on nothing.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

let ledger = { pids: [], dirs: [], pg: undefined };
let done = false;

process.on('message', (m) => {
  if (m?.type === 'ledger') ledger = m.ledger;
  else if (m?.type === 'done') done = true;
});
process.on('disconnect', () => {
  if (!done) reap();
  process.exit(0);
});
// Ctrl-C and the driver's own signals are not for the reaper.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

function reap() {
  const asRoot = userInfo().uid === 0;
  for (const pgdata of ledger.pg?.datas ?? []) {
    const pgCtl = join(ledger.pg.bin, 'pg_ctl');
    const args = ['-D', pgdata, '-m', 'immediate', '-w', '-t', '20', 'stop'];
    spawnSync(asRoot ? 'runuser' : pgCtl, asRoot ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { cwd: tmpdir(), timeout: 30_000 });
  }
  for (const pid of ledger.pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (const dir of ledger.dirs) rmSync(dir, { recursive: true, force: true });
}
