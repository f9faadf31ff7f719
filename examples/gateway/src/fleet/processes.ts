/** Starting, killing and restarting the fleet's Node processes; every pid goes into the ledger. */
import { type ChildProcess, fork } from 'node:child_process';
import type { Ledger } from './engines.js';

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
  return new Promise((resolve, reject) => {
    const child = fork(new URL(p.file, import.meta.url), [], {
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
