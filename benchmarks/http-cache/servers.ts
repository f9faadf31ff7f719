// The servers under test, in their own process so the load generator does not share their event loop:
// a bare node:http origin, and the caching reverse proxy in front of a second origin of the same body.
// Prints `{ bare, proxy }` (ports) as one JSON line on stdout, then serves until killed.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCachingProxy } from '@scaling/http-cache';

const size = Number(process.argv[2] ?? 1024);
const body = Buffer.alloc(size, 'x');
const handler: http.RequestListener = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'cache-control': 'public, max-age=3600' });
  res.end(body);
};
const listen = (server: http.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

const bare = await listen(http.createServer(handler));
const upstream = await listen(http.createServer(handler));
const proxy = createCachingProxy({ origin: `http://127.0.0.1:${upstream}` });
const front = await listen(http.createServer(proxy.handler));
process.stdout.write(`${JSON.stringify({ bare, proxy: front })}\n`);
process.on('SIGTERM', () => process.exit(0));
