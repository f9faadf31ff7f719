import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/keep-alive.ts', import.meta.url));

/** Runs one scenario of fixtures/keep-alive.ts in a fresh process with nothing else alive. */
function run(scenario: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, scenario], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout.trim(), stderr: r.stderr, status: r.status };
}

describe('the process stays alive while accepted tasks wait on the queue’s own timers (real timers, child processes)', () => {
  it('a rate-limit wait: three awaited adds at 1 per window all run and the script exits 0 (not 13)', () => {
    const r = run('rate-limit');
    expect(r.stdout).toBe('task 0\ntask 1\ntask 2\nall done');
    expect(r.status).toBe(0);
  });

  it('a retry backoff: the third attempt runs and its result is printed', () => {
    const r = run('retry-backoff');
    expect(r.stdout).toBe('ok after 3');
    expect(r.status).toBe(0);
  });

  it('a timeout of a never-settling task: it rejects with ERR_TIMEOUT and the next task runs', () => {
    const r = run('timeout');
    expect(r.stdout).toBe('second ran\nfirst: ERR_TIMEOUT');
    expect(r.status).toBe(0);
  });

  it('the close() deadline with a hung task: close resolves and the hung task rejects with ERR_QUEUE_CLOSED', () => {
    const r = run('close-deadline');
    expect(r.stdout).toBe('close resolved\nhung task: ERR_QUEUE_CLOSED');
    expect(r.status).toBe(0);
  });

  it('idle, finished and cleared/aborted queues with long timers never keep the process alive', () => {
    // a 10-minute rate window and timeouts: if any of them kept the process alive, spawnSync's 60 s limit would
    // kill it and the status would be null
    const r = run('idle-exits');
    expect(r.stdout).toBe('cleared: ERR_QUEUE_CLEARED\ncancelled: aborted\nidle');
    expect(r.status).toBe(0);
  });
});
