// Regressions of two process-level kinds (issue 7), each in a child process: real SIGTERM, real exit.
import { describe, expect, it } from 'vitest';
import { runFixture } from './_child.js';
import { get } from './_http.js';

describe('regressions (child processes)', () => {
  it('SIGTERM during an in-flight request (Kubernetes preStop pattern; lightship, terminus): SIGTERM while a request is in flight: readiness 503 at once, liveness 200, the request completes, then the server closes', async () => {
    const app = runFixture('sigterm-server.ts');
    const port = Number((await app.waitFor('listening ')).split(' ')[1]);
    expect((await get(port, '/readyz')).status).toBe(200);
    const slow = get(port, '/slow');
    await app.waitFor('slow-started');
    app.child.kill('SIGTERM');
    await app.waitFor('state draining');
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'fail', output: 'shutting down' });
    expect((await get(port, '/livez')).status).toBe(200);
    // the delay passes (ManualClock in the child): the server stops accepting, the slow request is still open
    app.send('advance 5000');
    await app.waitFor('advanced 5000');
    await app.waitFor('phase requests'); // the servers stopped listening
    await expect(get(port, '/livez')).rejects.toThrow(/ECONNREFUSED/);
    expect(app.lines).not.toContain('server-closed');
    app.send('release');
    const done = await slow;
    expect(done).toMatchObject({ status: 200, body: 'slow done' });
    const { code } = await app.exited;
    expect(code).toBe(0);
    const order = ['slow-finished', 'state closing', 'server-closed', 'state closed', 'exit 0'].map((l) => app.lines.indexOf(l));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  }, 20_000);

  it('timers keep the process alive (un-unref()ed timers, as in node-cron / health-check libraries): a process that creates a monitor, a detector and a balancer and drops them exits without stop()', async () => {
    const app = runFixture('drop-everything.ts', ['drop']);
    const timeout = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
    const { code, signal } = await app.exited;
    clearTimeout(timeout);
    expect(app.stderr()).toBe('');
    expect(signal).toBeNull(); // it exited by itself, not by our kill
    expect(code).toBe(0);
    // it did hold live timers when it dropped them
    expect(Number(/dropped with (\d+) timers/.exec(app.lines.join('\n'))?.[1])).toBeGreaterThan(0);
  }, 20_000);

  it('timers left after stop(): after stop() no timers remain (monitor with a run in flight that ignores its signal, detector with an ejection)', async () => {
    const app = runFixture('drop-everything.ts', ['stop']);
    const { code } = await app.exited;
    expect(app.stderr()).toBe('');
    expect(code).toBe(0);
    expect(Number((await app.waitFor('before-stop ')).split(' ')[1])).toBeGreaterThan(0);
    expect(await app.waitFor('after-stop ')).toBe('after-stop 0');
  }, 20_000);
});
