import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthMonitor, httpProbe, pgProbe, redisProbe, tcpProbe } from '../src/index.js';
import { close, listen } from './_http.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(close));
});

async function backend(handler: RequestListener): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  return listen(server);
}

const run = (check: (s: AbortSignal) => unknown, signal = new AbortController().signal) => Promise.resolve(check(signal));

describe('httpProbe against real loopback servers', () => {
  it('passes within the expected status range and reports the response time', async () => {
    const port = await backend((_req, res) => res.writeHead(204).end());
    const r = await run(httpProbe({ url: `http://127.0.0.1:${port}/healthz` }));
    expect(r).toMatchObject({ status: 'pass', observedUnit: 'ms' });
  });

  it('fails outside the range (and a custom range accepts it)', async () => {
    const port = await backend((_req, res) => res.writeHead(503).end('down'));
    expect(await run(httpProbe({ url: `http://127.0.0.1:${port}/` }))).toMatchObject({
      status: 'fail',
      output: 'HTTP 503 outside 200–399',
    });
    expect(await run(httpProbe({ url: `http://127.0.0.1:${port}/`, expectStatus: [500, 599] }))).toMatchObject({ status: 'pass' });
  });

  it('rejects with a timeout when the server does not answer within timeoutMs', async () => {
    let received!: () => void;
    const arrived = new Promise<void>((r) => {
      received = r;
    });
    const port = await backend(() => received()); // never answers
    const clock = new ManualClock();
    const p = run(httpProbe({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2_000, clock }));
    await arrived;
    clock.advance(2_000);
    await expect(p).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
  });

  it('stops when the monitor aborts it', async () => {
    const port = await backend(() => {});
    const ac = new AbortController();
    const p = run(httpProbe({ url: `http://127.0.0.1:${port}/`, timeoutMs: 60_000 }), ac.signal);
    ac.abort(new Error('stopped'));
    await expect(p).rejects.toThrow('stopped');
  });

  it('rejects on connection refused', async () => {
    const server = createServer();
    const port = await listen(server);
    await close(server);
    await expect(run(httpProbe({ url: `http://127.0.0.1:${port}/` }))).rejects.toThrow(/ECONNREFUSED/);
  });

  it('validates its options', () => {
    expect(() => httpProbe({ url: 'ftp://x' })).toThrow(TypeError);
    expect(() => httpProbe({ url: 'http://x', expectStatus: [300, 200] })).toThrow(RangeError);
    expect(() => httpProbe({ url: 'http://x', timeoutMs: 0 })).toThrow(RangeError);
  });

  it('drives a monitor: a backend that goes down and comes back flips the check both ways', async () => {
    // request 1 → 200, requests 2–3 → 500, then 200 again
    let n = 0;
    const port = await backend((_req, res) => {
      n++;
      res.writeHead(n === 2 || n === 3 ? 500 : 200).end();
    });
    const clock = new ManualClock();
    const m = new HealthMonitor({
      clock,
      checks: [
        { name: 'api', check: httpProbe({ url: `http://127.0.0.1:${port}/` }), intervalMs: 10, healthyThreshold: 1, unhealthyThreshold: 2 },
      ],
    });
    const seen: string[] = [];
    m.on('change', (c) => seen.push(c.status));
    let results = 0;
    m.on('result', () => results++);
    m.start();
    while (results < 4) await clock.advanceAsync(10);
    m.stop();
    expect(seen).toEqual(['pass', 'fail', 'pass']);
  });
});

describe('tcpProbe', () => {
  it('passes when a connection opens and fails when refused', async () => {
    const server = createTcpServer((s) => s.destroy());
    const port = await listen(server as unknown as Server);
    expect(await run(tcpProbe({ host: '127.0.0.1', port }))).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    await new Promise<void>((r) => server.close(() => r()));
    await expect(run(tcpProbe({ host: '127.0.0.1', port }))).rejects.toThrow(/ECONNREFUSED/);
    expect(() => tcpProbe({ host: '', port: 1 })).toThrow(TypeError);
    expect(() => tcpProbe({ host: 'x', port: 70_000 })).toThrow(RangeError);
  });
});

describe('pgProbe and redisProbe over duck-typed clients', () => {
  it('pgProbe runs SELECT 1 (or the given SQL) and fails when the query rejects', async () => {
    const sqls: string[] = [];
    const pool = {
      query: async (sql: string) => {
        sqls.push(sql);
        return { rows: [{ '?column?': 1 }] };
      },
    };
    expect(await run(pgProbe(pool))).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    await run(pgProbe(pool, { sql: 'SELECT now()' }));
    expect(sqls).toEqual(['SELECT 1', 'SELECT now()']);
    await expect(run(pgProbe({ query: () => Promise.reject(new Error('ECONNRESET')) }))).rejects.toThrow('ECONNRESET');
    expect(() => pgProbe({} as never)).toThrow(TypeError);
  });

  it('pgProbe gives up on abort even though the query cannot be cancelled', async () => {
    const ac = new AbortController();
    const p = run(pgProbe({ query: () => new Promise(() => {}) }), ac.signal);
    ac.abort(new Error('timed out'));
    await expect(p).rejects.toThrow('timed out');
  });

  it('redisProbe passes on PONG, warns on another reply, fails on error', async () => {
    expect(await run(redisProbe({ ping: async () => 'PONG' }))).toMatchObject({ status: 'pass' });
    expect(await run(redisProbe({ ping: async () => 'LOADING' }))).toMatchObject({ status: 'warn' });
    await expect(run(redisProbe({ ping: () => Promise.reject(new Error('NOAUTH')) }))).rejects.toThrow('NOAUTH');
    expect(() => redisProbe({} as never)).toThrow(TypeError);
  });
});
