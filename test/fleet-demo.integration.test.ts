// Runs the fleet demo (examples/gateway/src/fleet) in a short mode on the machine's PostgreSQL and Redis
// binaries — private servers the demo starts and removes itself — and checks its invariants: no accepted
// order lost, no stale read, error rate under 1 %, every fault injected and observed, and nothing left
// behind: every process id the demo recorded is gone, and so is every temporary directory.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary } from '../examples/gateway/src/fleet/summary.js';

const root = join(import.meta.dirname, '..');
const pgBin = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql').some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'pg_basebackup')))
  : false;
const redisBin = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'redis-server')));
const dir = mkdtempSync(join(tmpdir(), 'fleet-demo-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Whether a process exists (and is not a zombie waiting to be reaped). */
function alive(pid: number): boolean {
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

describe.skipIf(!((pgBin && redisBin) || process.env.PG_BINDIR))('fleet demo (private PostgreSQL + Redis)', () => {
  const jsonPath = join(dir, 'fleet.json');
  const reportPath = join(dir, 'fleet.html');
  let run: { code: number | null; stdout: string; stderr: string; seconds: number };
  let s: FleetSummary;

  beforeAll(async () => {
    const started = performance.now();
    run = await new Promise((resolve) => {
      const args = ['--import', 'tsx', 'examples/gateway/src/main.ts', '--duration', '10', '--json', jsonPath, '--report', reportPath];
      const child = execFile(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 150_000 }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
      );
    });
    s = JSON.parse(readFileSync(jsonPath, 'utf8')) as FleetSummary;
  }, 160_000);

  it('runs on the real engines and completes', () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(s.engines.join('\n')).toMatch(/PostgreSQL\s+real/);
    expect(s.engines.join('\n')).toMatch(/Redis\s+real/);
    expect(run.stdout).toContain('Fleet summary');
  });

  it('keeps the error rate under 1 %', () => {
    expect(s.client.requests).toBeGreaterThan(200);
    expect(s.client.errorRate, s.client.errorSamples.join('\n')).toBeLessThan(0.01);
  });

  it('loses no accepted order and stores each once', () => {
    expect(s.jobs.accepted).toBeGreaterThan(0);
    expect(s.jobs.lost).toBe(0);
    expect(s.jobs.stored).toBe(s.jobs.accepted);
  });

  it('serves no stale read to a session that wrote', () => {
    expect(s.db.sessionReads).toBeGreaterThan(0);
    expect(s.db.staleReads, s.db.staleSamples.join('\n')).toBe(0);
    expect(s.db.replicaReads).toBeGreaterThan(0);
  });

  it('leaves no stale entry in the shared cache after the faults', () => {
    expect(s.db.cacheSweep.reads).toBeGreaterThan(0);
    expect(s.db.cacheSweep.stale, s.db.cacheSweep.samples.join('\n')).toBe(0);
  });

  it('injects and observes every fault', () => {
    expect(s.faults.length).toBe(7);
    for (const f of s.faults) {
      expect(f.injected, `${f.label}: ${f.detail}`).toBe(true);
      expect(f.observed, `${f.label}: ${f.detail}`).toBe(true);
    }
  });

  it('uses the edge cache and the rate limit', () => {
    expect(s.edge.cdnHits).toBeGreaterThan(0);
    expect(s.edge.rateLimited).toBeGreaterThan(0);
    expect(s.cache.l1Hits + s.cache.l2Hits).toBeGreaterThan(0);
  });

  it('leaves no process and no temporary directory behind', () => {
    expect(s.ledger.pids.length).toBeGreaterThanOrEqual(13); // 2 postmasters, redis, edge, 3 web, 2 workers, 4 upstreams
    expect(s.ledger.pids.filter(alive)).toEqual([]);
    // the engines' temporary directory (and the bundle of the entry points, when esbuild ran)
    expect(s.ledger.dirs.some((d) => d.startsWith(join(tmpdir(), 'scaling-fleet-')))).toBe(true);
    expect(s.ledger.dirs.filter((d) => existsSync(d))).toEqual([]);
  });

  it('writes an HTML report with one chart per scaling step', () => {
    const html = readFileSync(reportPath, 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(7);
  });
});
