// An upstream in a child process killed with SIGKILL while requests are in flight: a response cut mid-body
// errors at the caller (never replayed), requests still waiting for headers are retried elsewhere only when
// idempotent and replayable, every lease is released, and outlier detection ejects the dead upstream.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancedDispatcher, EndpointsFailedError } from '../src/index.js';
import { closeAll, named } from './_servers.js';

interface Upstream {
  readonly origin: string;
  readonly child: ChildProcess;
  /** Resolves when the child printed a line starting with `prefix`. */
  next(prefix: string): Promise<string>;
}

const children: ChildProcess[] = [];
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await closeAll(open);
});

async function upstream(): Promise<Upstream> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiters.findIndex((x) => line.startsWith(x.prefix));
      if (w >= 0) waiters.splice(w, 1)[0]?.resolve(line);
      else lines.push(line);
      nl = buf.indexOf('\n');
    }
  });
  const next = (prefix: string) =>
    new Promise<string>((resolve) => {
      const i = lines.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) resolve(lines.splice(i, 1)[0] as string);
      else waiters.push({ prefix, resolve });
    });
  const port = (await next('PORT ')).split(' ')[1];
  return { origin: `http://127.0.0.1:${port}`, child, next };
}

const kill = (u: Upstream) =>
  new Promise<void>((resolve) => {
    u.child.once('exit', () => resolve());
    u.child.kill('SIGKILL');
  });

describe('an upstream process killed with SIGKILL', () => {
  it('mid-response: the body errors at the caller, is not replayed, the lease is released and the attempt is a failure', async () => {
    const u = await upstream();
    const other = await named('other');
    open.push(other);
    const dispatcher = createBalancedDispatcher({ endpoints: [u.origin], outlierDetection: false });
    open.push(dispatcher);
    const res = await request('http://svc/body', { dispatcher });
    expect(res.statusCode).toBe(200);
    await u.next('MID ');
    await kill(u);
    await expect(res.body.text()).rejects.toThrow();
    // A replayable GET, but the headers had reached the caller: no retry anywhere.
    dispatcher.setEndpoints([u.origin, other.origin]);
    expect(other.hits).toHaveLength(0);
    const s = dispatcher.stats();
    expect(s).toMatchObject({ requests: 1, failed: 1, retries: 0, active: 0 });
    expect(s.endpoints[u.origin]).toMatchObject({ requests: 1, failures: 1, active: 0 });
  });

  it('before the headers: idempotent replayable requests are retried elsewhere, a POST without key fails, then outlier ejection follows', async () => {
    const u = await upstream();
    const other = await named('other');
    open.push(other);
    const dispatcher = createBalancedDispatcher({
      endpoints: [u.origin, other.origin],
      outlierDetection: { consecutiveFailures: 2, baseEjectionTimeMs: 60_000, successRate: false, failurePercentage: false },
    });
    open.push(dispatcher);
    const ejected: unknown[] = [];
    dispatcher.on('ejected', (e) => ejected.push(e));
    // Pin both requests to the doomed upstream: the other endpoint joins once they are in flight there.
    dispatcher.setEndpoints([u.origin]);
    const get = request('http://svc/hold', { dispatcher }).then((r) => r.body.text());
    const put = request('http://svc/hold', { dispatcher, method: 'PUT', body: 'same body again' }).then((r) => r.body.text());
    // The rejection is caught here, at once: it can arrive while the test awaits `get` and `put`, and an
    // unhandled rejection in that window fails the run (seen in CI).
    const post = request('http://svc/hold', { dispatcher, method: 'POST', body: 'once only' }).then(
      (r) => r.body.text(),
      (error: unknown) => error,
    );
    await u.next('HOLD ');
    await u.next('HOLD ');
    await u.next('HOLD ');
    dispatcher.setEndpoints([u.origin, other.origin]);
    await kill(u);
    expect(await get).toBe('other');
    expect(await put).toBe('other');
    const e = await post;
    expect(e).toBeInstanceOf(EndpointsFailedError);
    expect((e as EndpointsFailedError).tried).toEqual([u.origin]);
    expect(other.hits.map((h) => h.method).sort()).toEqual(['GET', 'PUT']);

    // The dead upstream fails again (connection refused) and is ejected; everything goes to `other`.
    for (let i = 0; i < 6; i++) expect(await (await request('http://svc/fast', { dispatcher })).body.text()).toBe('other');
    expect(ejected).toEqual([{ origin: u.origin, source: 'outlierDetection', reason: 'consecutive-failures' }]);
    const s = dispatcher.stats();
    expect(s.endpoints[u.origin]).toMatchObject({ ejected: true, ejections: 1, active: 0 });
    expect(s.endpoints[other.origin]?.active).toBe(0);
    expect(s).toMatchObject({ active: 0, failed: 1 });
    expect(s.requests).toBe(s.completed + s.failed);
  });
});
