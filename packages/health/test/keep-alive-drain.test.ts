// Graceful shutdown speaks HTTP/1.1 correctly (issue 13, point 5): the kind behind stoppable,
// http-terminator and lightship reports — keep-alive connections dropped or reset during a drain. Swept:
// back-to-back requests on one keep-alive connection, an idle keep-alive connection, a request in flight,
// pipelined requests, and a request whose headers arrived just as the shutdown began.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ManualClock } from '@scaling/core';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { GracefulShutdown } from '../src/index.js';
import { close, listen } from './_http.js';

const servers: Server[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
  await Promise.all(servers.splice(0).map((s) => (s.listening ? close(s) : undefined)));
});

const tick = () => new Promise<void>((r) => setImmediate(r));

function serve(handler: Parameters<typeof createServer>[1]): Server {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  servers.push(server);
  return server;
}

/** Reads raw HTTP/1.1 responses from a socket until it closes. */
function rawClient(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  let data = '';
  let error: NodeJS.ErrnoException | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (c: string) => {
    data += c;
  });
  socket.on('error', (e) => {
    error = e;
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const connected = new Promise<void>((r) => socket.once('connect', () => r()));
  return {
    socket,
    connected,
    closed,
    get data() {
      return data;
    },
    get error() {
      return error;
    },
  };
}

describe('keep-alive connections during a drain', () => {
  it('back-to-back requests on one keep-alive connection (undici Agent, connections: 1) across a shutdown: no ECONNRESET, Connection: close after it began', async () => {
    const clock = new ManualClock();
    let shutdown!: GracefulShutdown;
    let served = 0;
    const server = serve((_req, res) => {
      served++;
      if (served === 20) void shutdown.shutdown('deploy'); // begins while this request is being answered
      res.end('ok');
    });
    const port = await listen(server);
    shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 1_000 });
    const agent = new Agent({ connections: 1, keepAliveTimeout: 60_000 });
    agents.push(agent);
    const errors: string[] = [];
    const connection: (string | undefined)[] = [];
    const sockets = new Set<unknown>();
    server.on('connection', (s) => sockets.add(s));
    for (let i = 0; i < 60; i++) {
      if (i === 40) {
        await clock.advanceAsync(1_000); // the delay ends: the server stops accepting
        while (server.listening) await tick();
      }
      try {
        const r = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
        await r.body.text();
        connection.push((r.headers as IncomingHttpHeaders).connection as string | undefined);
      } catch (e) {
        errors.push((e as { code?: string }).code ?? String(e));
      }
    }
    await shutdown.shutdown();
    expect(errors.filter((c) => c === 'ECONNRESET' || c === 'UND_ERR_SOCKET')).toEqual([]);
    // every request before the server stopped accepting was answered; after it, connections are refused
    expect(connection.length).toBe(40);
    expect(errors.every((c) => c === 'ECONNREFUSED')).toBe(true);
    expect(connection.slice(0, 19).every((c) => c === 'keep-alive')).toBe(true);
    expect(connection.slice(19).every((c) => c === 'close')).toBe(true);
    // one connection until the shutdown, then one per request
    expect(sockets.size).toBe(1 + 20);
  });

  it('back-to-back requests while a timer begins the shutdown between two of them (the idle-close race): no request fails', async () => {
    for (let k = 0; k < 10; k++) {
      const clock = new ManualClock();
      const server = serve((_req, res) => res.end('ok'));
      const port = await listen(server);
      const shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 1_000 });
      const agent = new Agent({ connections: 1, keepAliveTimeout: 60_000 });
      agents.push(agent);
      const errors: string[] = [];
      let answered = 0;
      setTimeout(() => void shutdown.shutdown(), 1 + k);
      while (!shutdown.isShuttingDown || answered < 100) {
        try {
          const r = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
          await r.body.text();
          answered++;
        } catch (e) {
          errors.push((e as { code?: string }).code ?? String(e));
          break;
        }
      }
      await clock.advanceAsync(1_000);
      await shutdown.shutdown();
      expect(errors).toEqual([]);
    }
  }, 30_000);

  it('an idle keep-alive connection is closed at once when the shutdown begins, while the server still accepts', async () => {
    const clock = new ManualClock();
    const server = serve((_req, res) => res.end('ok'));
    const port = await listen(server);
    const shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 5_000 });
    const c = rawClient(port);
    await c.connected;
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!c.data.includes('ok')) await tick();
    expect(c.data).toMatch(/connection: keep-alive/i);
    const done = shutdown.shutdown();
    await c.closed; // no clock advance: still within delayMs
    expect(c.error).toBeUndefined();
    expect(server.listening).toBe(true);
    await clock.advanceAsync(5_000);
    await done;
  });

  it('a request in flight when the shutdown begins is answered, with Connection: close, and its connection then closes', async () => {
    const clock = new ManualClock();
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const server = serve((_req, res) => void released.then(() => res.end('late')));
    const port = await listen(server);
    const shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 0 });
    const c = rawClient(port);
    await c.connected;
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (shutdown.inFlight === 0) await tick();
    const done = shutdown.shutdown();
    await tick();
    release();
    await c.closed;
    await done;
    expect(c.error).toBeUndefined();
    expect(c.data).toMatch(/^HTTP\/1\.1 200/);
    expect(c.data).toMatch(/connection: close/i);
    expect(c.data).toMatch(/late$/);
  });

  it('pipelined requests already read are all answered; only the last response closes the connection', async () => {
    const clock = new ManualClock();
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const server = serve((req, res) => void released.then(() => res.end(req.url?.slice(1))));
    const port = await listen(server);
    const shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 0 });
    const c = rawClient(port);
    await c.connected;
    c.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\nGET /third HTTP/1.1\r\nHost: x\r\n\r\n');
    while (shutdown.inFlight < 3) await tick();
    const done = shutdown.shutdown();
    await tick();
    release();
    await c.closed;
    await done;
    expect(c.error).toBeUndefined();
    const responses = c.data.split(/(?=HTTP\/1\.1 )/);
    expect(responses.map((r) => r.split('\r\n\r\n')[1])).toEqual(['first', 'second', 'third']);
    expect(responses.map((r) => /connection: (\S+)/i.exec(r)?.[1])).toEqual(['keep-alive', 'keep-alive', 'close']);
  });

  it('a request whose headers arrived just as the shutdown began is answered (Connection: close), not reset', async () => {
    const clock = new ManualClock();
    const server = serve((_req, res) => res.end('answered'));
    const port = await listen(server);
    const shutdown = new GracefulShutdown({ clock, servers: [server], signals: [], delayMs: 5_000 });
    let started = 0;
    server.on('connection', (s) => s.once('data', () => started++));
    const c = rawClient(port);
    await c.connected;
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    while (started === 0) await tick(); // the server has read the first bytes of the request
    const done = shutdown.shutdown();
    for (let i = 0; i < 5; i++) await tick(); // the idle sweep runs: this connection is not idle
    c.socket.write('\r\n');
    await c.closed;
    expect(c.error).toBeUndefined();
    expect(c.data).toMatch(/^HTTP\/1\.1 200/);
    expect(c.data).toMatch(/connection: close/i);
    expect(c.data).toMatch(/answered$/);
    await clock.advanceAsync(5_000);
    await done;
  });

  it('after the shutdown no request listener of ours stays on the server (counted)', async () => {
    const server = serve((_req, res) => res.end('ok'));
    await listen(server);
    const before = server.listenerCount('request');
    const shutdown = new GracefulShutdown({ clock: new ManualClock(), servers: [server], signals: [], delayMs: 0 });
    expect(server.listenerCount('request')).toBe(before + 1);
    await shutdown.shutdown();
    expect(server.listenerCount('request')).toBe(before);
  });
});
