/**
 * Where a demo run writes its HTML report when `--report` does not say: a name of its own per run, so two runs
 * at the same time (or one after the other) never overwrite each other's report.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `<dir>/<name>-<UTC date and time>-<pid>.html`, e.g. `/tmp/scaling-gateway-demo/fleet-20261206-071502-4242.html`.
 * The pid tells apart runs started in the same second. `dir` defaults to `<tmpdir>/scaling-gateway-demo`.
 */
export function runReportPath(
  name: string,
  now: Date = new Date(),
  pid: number = process.pid,
  dir: string = join(tmpdir(), 'scaling-gateway-demo'),
): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  return join(dir, `${name}-${stamp}-${pid}.html`);
}
