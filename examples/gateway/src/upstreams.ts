/** Starts the upstream services as separate processes on loopback, and kills / slows them on demand. */
import { type ChildProcess, fork } from 'node:child_process';
import { request } from 'node:http';

/** One running upstream process. */
export interface UpstreamProcess {
  readonly id: string;
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  alive: boolean;
}

const upstreamFile = new URL('./upstream.ts', import.meta.url);

/** Forks `count` upstreams (`u1` … `uN`) and resolves once every one is listening. */
export async function startUpstreams(count: number): Promise<UpstreamProcess[]> {
  const started: Promise<UpstreamProcess>[] = [];
  for (let i = 1; i <= count; i++) started.push(startOne(`u${i}`));
  return Promise.all(started);
}

function startOne(id: string): Promise<UpstreamProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(upstreamFile, [], {
      env: { ...process.env, UPSTREAM_ID: id, UPSTREAM_PORT: '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const onExit = (code: number | null): void => reject(new Error(`upstream ${id} exited before it was ready (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message: { type: string; port: number }) => {
      if (message.type !== 'ready') return;
      child.off('exit', onExit);
      const upstream: UpstreamProcess = { id, port: message.port, url: `http://127.0.0.1:${message.port}`, child, alive: true };
      child.once('exit', () => {
        upstream.alive = false;
      });
      resolve(upstream);
    });
  });
}

/** Kills an upstream with SIGKILL: no goodbye, open connections are reset — the failure the gateway must absorb. */
export function killUpstream(upstream: UpstreamProcess): void {
  upstream.child.kill('SIGKILL');
}

/** Makes an upstream `factor`× slower through its control endpoint. */
export function slowUpstream(upstream: UpstreamProcess, factor: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${upstream.url}/control/slow?factor=${factor}`, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

/** Stops every upstream that is still running. */
export function stopUpstreams(upstreams: readonly UpstreamProcess[]): void {
  for (const u of upstreams) if (u.alive) u.child.kill('SIGTERM');
}
