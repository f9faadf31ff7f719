/** Starting, killing and restarting the fleet's Node processes; every pid goes into the ledger. */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ledger } from './engines.js';

/** Where the bundled entry points are, once {@link bundleEntryPoints} ran (else the .ts files run under tsx). */
let bundled: { dir: string } | undefined;

/**
 * Bundles the fleet's entry points (web, worker, edge) with esbuild, the `@scaling/*` sources included and
 * every other package left to `node_modules`: six processes loading one file each start several times
 * faster than under tsx's loader on a busy 2-core machine. The bundle goes under `node_modules/.cache`
 * (so its imports resolve from the repository's `node_modules`) and the caller deletes it at the end.
 * Returns the directory, or undefined when bundling failed (the processes then run the sources with tsx).
 */
export async function bundleEntryPoints(root: string): Promise<string | undefined> {
  const dir = join(root, 'node_modules', '.cache', 'scaling-fleet', String(process.pid));
  try {
    const { build } = await import('esbuild');
    mkdirSync(dir, { recursive: true });
    const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));
    await build({
      entryPoints: { web: here('./web.ts'), worker: here('./worker.ts'), edge: here('./edge.ts') },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      tsconfig: here('../../tsconfig.json'),
      logLevel: 'silent',
      plugins: [
        {
          name: 'scaling-sources-only',
          setup(b) {
            // Bare imports other than @scaling/* stay imports (resolved from node_modules at run time).
            b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@scaling/') ? undefined : { external: true }));
          },
        },
      ],
    });
    bundled = { dir };
    return dir;
  } catch {
    bundled = undefined;
    return undefined;
  }
}

/** One running process of the fleet. */
export interface FleetProcess {
  readonly name: string;
  readonly file: string;
  readonly env: Record<string, string>;
  child: ChildProcess;
  port: number;
  pid: number;
  /** Resolves with how the current incarnation ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: boolean;
  /** Milliseconds from fork to ready, of the latest incarnation. */
  startMs: number;
}

/** Forks `file` (a .ts next to this one) with `env` and resolves once it reports `{ type: 'ready', port }`. */
export async function startProcess(
  ledger: Ledger,
  name: string,
  file: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<FleetProcess> {
  const p = { name, file, env } as FleetProcess;
  await launch(ledger, p, timeoutMs);
  return p;
}

function launch(ledger: Ledger, p: FleetProcess, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const name = p.file.replace(/^\.\//, '').replace(/\.ts$/, '');
    const child = fork(bundled ? join(bundled.dir, `${name}.mjs`) : new URL(p.file, import.meta.url), [], {
      ...(bundled ? { execArgv: [] } : {}),
      env: { ...process.env, ...p.env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    if (child.pid !== undefined) ledger.pids.push(child.pid);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
      if (process.env.FLEET_DEBUG) process.stderr.write(`[${p.name}] ${chunk}`);
    });
    p.child = child;
    p.pid = child.pid ?? 0;
    p.alive = true;
    p.exited = new Promise((res) => {
      child.once('exit', (code, signal) => {
        p.alive = false;
        res({ code, signal });
      });
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${p.name} was not ready within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${p.name} exited before it was ready (code ${code}):\n${stderr}`));
    };
    child.once('exit', onExit);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m?.type !== 'ready') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      p.port = m.port ?? 0;
      p.startMs = performance.now() - t0;
      resolve();
    });
  });
}

/** Starts a new incarnation of a process that ended (same file, env and port). */
export async function restartProcess(ledger: Ledger, p: FleetProcess, timeoutMs = 60_000): Promise<void> {
  await launch(ledger, p, timeoutMs);
}

/** SIGKILL: no goodbye. */
export function killProcess(p: FleetProcess): void {
  if (p.alive) p.child.kill('SIGKILL');
}

/** Stops every process still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAll(processes: readonly FleetProcess[], graceMs = 3_000): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (!p.alive) return;
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}
