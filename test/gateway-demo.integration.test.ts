// Runs the single-process gateway demo (examples/gateway, `--single`) end to end with a short load run and checks the summary's
// invariants: traffic through every upstream still in rotation, the killed upstream ejected, errors under 1 %.
// Started from the repo root, tsx resolves @scaling/* to the package sources (tsconfig paths): no build needed.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from '../examples/gateway/src/summary.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'gateway-demo-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gateway demo', () => {
  const jsonPath = join(dir, 'summary.json');
  const reportPath = join(dir, 'report.html');
  let run: { code: number | null; stdout: string; stderr: string };
  let summary: DemoSummary | undefined;
  beforeAll(async () => {
    run = await new Promise((resolve) => {
      const args = [
        '--import',
        'tsx',
        'examples/gateway/src/main.ts',
        '--single',
        '--duration',
        '3',
        '--connections',
        '16',
        '--json',
        jsonPath,
        '--report',
        reportPath,
      ];
      const child = execFile(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 40_000 }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    summary = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : undefined;
  }, 45_000);

  it('completes and prints the summary table', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/upstream\s+state\s+requests\s+p50 ms\s+p99 ms\s+errors\s+ejections/);
    expect(run.stdout).toContain(`HTML report: ${reportPath}`);
    expect(summary).toBeDefined();
  });

  it('sends traffic through every upstream still in rotation', () => {
    const alive = summary!.upstreams.filter((u) => u.alive);
    expect(alive.map((u) => u.id)).toEqual(['u1', 'u2', 'u4']);
    for (const u of alive) expect(u.requests, u.id).toBeGreaterThan(0);
    expect(summary!.upstreams.filter((u) => u.healthy).length).toBeGreaterThan(0);
  });

  it('ejects the killed upstream', () => {
    const killed = summary!.upstreams.filter((u) => !u.alive);
    expect(killed.map((u) => u.id)).toEqual(['u3']);
    expect(killed[0]!.healthy).toBe(false);
    expect(killed[0]!.ejections).toBeGreaterThanOrEqual(1);
  });

  it('keeps the client error rate under 1 %', () => {
    expect(summary!.client.requests).toBeGreaterThan(0);
    expect(summary!.client.errorRate).toBeLessThan(0.01);
    expect(summary!.checks.every((c) => c.ok)).toBe(true);
  });

  it('exercises the cache and the queue', () => {
    expect(summary!.cache.hits).toBeGreaterThan(0);
    expect(summary!.queue.accepted).toBeGreaterThan(0);
    expect(summary!.queue.processed + summary!.queue.failed).toBe(summary!.queue.accepted);
  });

  it('writes an HTML report with charts', () => {
    const html = readFileSync(reportPath, 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(5);
  });
});
