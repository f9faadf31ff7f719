import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@scaling/core';
import { type CachingProxy, type CachingProxyOptions, createCachingProxy } from '../src/index.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An origin and a caching proxy in front of it, both on loopback ports; `close()` stops both. */
export interface Harness {
  proxy: CachingProxy;
  clock: ManualClock;
  /** Requests the origin received, in order. */
  seen: IncomingMessage[];
  /** Requests the proxy server received. */
  received: () => number;
  setOrigin(handler: Handler): void;
  get(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply>;
  stopOrigin(): Promise<void>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export async function harness(options: Partial<CachingProxyOptions> = {}): Promise<Harness> {
  let handler: Handler = (_req, res) => res.end('ok');
  const seen: IncomingMessage[] = [];
  const clock = new ManualClock();
  let proxy: ReturnType<typeof createCachingProxy> | undefined;
  const origin = http.createServer((req, res) => {
    seen.push(req);
    // The origin's Date is the proxy's own "now" (the manual clock mapped onto the epoch when the proxy was
    // built), so an apparent age never exceeds the second lost by Date's rounding. A Date taken from
    // Date.now() before the proxy existed made Age one second too high when the origin's listen crossed a
    // second boundary (a flaky CI failure: Age 6 where 5 was expected).
    res.setHeader('date', new Date((proxy as NonNullable<typeof proxy>).now()).toUTCString());
    handler(req, res);
  });
  const originPort = await listen(origin);
  proxy = createCachingProxy({ origin: `http://127.0.0.1:${originPort}`, clock, ...options });
  let received = 0;
  const front = http.createServer((req, res) => {
    received++;
    proxy.handler(req, res);
  });
  const port = await listen(front);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let originOpen = true;
  return {
    proxy,
    clock,
    seen,
    received: () => received,
    setOrigin(h) {
      handler = h;
    },
    get(path, init = {}) {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(init.body);
      });
    },
    async stopOrigin() {
      originOpen = false;
      origin.closeAllConnections();
      await new Promise((r) => origin.close(r));
    },
    async close() {
      proxy.close();
      agent.destroy();
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
      if (originOpen) {
        origin.closeAllConnections();
        await new Promise((r) => origin.close(r));
      }
    },
  };
}
