import { createServer, type Server } from 'node:http';
import { ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthHandler, GracefulShutdown, HealthMonitor } from '../src/index.js';
import { close, get, listen } from './_http.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

async function serve(handler: ReturnType<typeof createHealthHandler>, withNext = true): Promise<number> {
  const server = createServer((req, res) => (withNext ? handler(req, res, () => res.end('app')) : handler(req, res)));
  servers.push(server);
  return listen(server);
}

function monitorWith(clock: ManualClock, state: { db: boolean; loop: boolean }) {
  return new HealthMonitor({
    clock,
    checks: [
      { name: 'db', key: 'postgres:connect', check: () => state.db, healthyThreshold: 1, unhealthyThreshold: 1, intervalMs: 10 },
      {
        name: 'loop',
        key: 'eventloop:delay',
        check: () => state.loop,
        healthyThreshold: 1,
        unhealthyThreshold: 1,
        intervalMs: 10,
        probes: ['liveness'],
      },
    ],
  });
}

describe('createHealthHandler over a real loopback server', () => {
  it('serves application/health+json: 200 for pass, 503 for fail, per route', async () => {
    const clock = new ManualClock();
    const state = { db: true, loop: true };
    const monitor = monitorWith(clock, state).start();
    const port = await serve(createHealthHandler({ monitor }));
    // before any result every check is at its initial status (fail)
    expect((await get(port, '/readyz')).status).toBe(503);
    expect((await get(port, '/startupz')).status).toBe(503);
    await clock.advanceAsync(0);
    const health = await get(port, '/health');
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toBe('application/health+json');
    expect(health.headers['cache-control']).toBe('no-store');
    expect(Object.keys(JSON.parse(health.body).checks).sort()).toEqual(['eventloop:delay', 'postgres:connect']);
    expect((await get(port, '/startupz')).status).toBe(200);

    state.db = false;
    await clock.advanceAsync(10);
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'fail', checks: { 'postgres:connect': [{ status: 'fail' }] } });
    // a dependency failing does not fail liveness (it would restart the pod), and startup stays passed
    expect((await get(port, '/livez')).status).toBe(200);
    expect((await get(port, '/startupz')).status).toBe(200);
    expect((await get(port, '/health')).status).toBe(503);

    state.loop = false;
    await clock.advanceAsync(10);
    expect((await get(port, '/livez')).status).toBe(503);
    monitor.stop();
  });

  it('answers warn with 200, HEAD with headers only, ignores the query string, and passes other paths to next()', async () => {
    const clock = new ManualClock();
    const monitor = new HealthMonitor({
      clock,
      checks: [{ name: 'c', check: () => ({ status: 'warn', output: 'degraded' }), healthyThreshold: 1 }],
    }).start();
    await clock.advanceAsync(0);
    const port = await serve(createHealthHandler({ monitor }));
    const r = await get(port, '/readyz?verbose=1');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).status).toBe('warn');
    const head = await get(port, '/readyz', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(r.body));
    expect((await get(port, '/orders')).body).toBe('app');
    expect((await get(port, '/readyz', 'POST')).body).toBe('app');
    monitor.stop();
  });

  it('answers 404 for other paths without next(), and honours custom paths', async () => {
    const port = await serve(createHealthHandler({ paths: { readiness: '/ready', health: false } }), false);
    expect((await get(port, '/ready')).status).toBe(200);
    expect((await get(port, '/readyz')).status).toBe(404);
    expect((await get(port, '/health')).status).toBe(404);
    expect((await get(port, '/livez')).status).toBe(200);
    expect(() => createHealthHandler({ paths: { readiness: 'ready' } })).toThrow(TypeError);
  });

  it('render() gives the same response for frameworks that write their own (Fastify reply)', () => {
    const r = createHealthHandler().render('liveness');
    expect(r).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/health+json' }, report: { status: 'pass' } });
    expect(JSON.parse(r.body)).toEqual({ status: 'pass', checks: {} });
  });

  it('render() reuses the rendered response until a result arrives or a shutdown starts', async () => {
    const clock = new ManualClock();
    const state = { db: true, loop: true };
    const monitor = monitorWith(clock, state).start();
    const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 0 });
    const handler = createHealthHandler({ monitor, shutdown });
    const first = handler.render('readiness');
    expect(handler.render('readiness')).toBe(first);
    await clock.advanceAsync(0);
    const second = handler.render('readiness');
    expect(second).not.toBe(first);
    expect([first.statusCode, second.statusCode]).toEqual([503, 200]);
    expect(handler.render('readiness')).toBe(second);
    void shutdown.shutdown();
    expect(handler.render('readiness').statusCode).toBe(503);
    monitor.stop();
  });

  it('works as Express-style middleware: (req, res, next) with next called for other routes', async () => {
    const handler = createHealthHandler();
    const calls: string[] = [];
    const server = createServer((req, res) => {
      // a minimal app.use() chain
      const stack = [handler, (_q: typeof req, r: typeof res) => r.end('routed')];
      let i = 0;
      const next = () => {
        const layer = stack[i++];
        calls.push(req.url ?? '');
        layer?.(req, res, next);
      };
      next();
    });
    servers.push(server);
    const port = await listen(server);
    expect((await get(port, '/livez')).status).toBe(200);
    expect((await get(port, '/x')).body).toBe('routed');
    expect(calls).toEqual(['/livez', '/x', '/x']);
  });

  it('readiness fails as soon as a shutdown starts while liveness stays up', async () => {
    const clock = new ManualClock();
    const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 1_000 });
    const port = await serve(createHealthHandler({ shutdown }));
    expect((await get(port, '/readyz')).status).toBe(200);
    const done = shutdown.shutdown('test');
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'fail', output: 'shutting down' });
    expect((await get(port, '/livez')).status).toBe(200);
    await clock.advanceAsync(1_000);
    await done;
    expect(shutdown.state).toBe('closed');
  });
});
