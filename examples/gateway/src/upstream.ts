/**
 * One upstream service: a plain node:http server on loopback, started by the demo as its own process
 * (`child_process.fork`). It tells the parent its port over IPC, then serves:
 *
 * - `GET /healthz`                 liveness for the gateway's active health checks
 * - `GET /products/:id`            a product (simulated work ≈ 6 ms)
 * - `GET /users/:id/(profile|cart)` per-user state kept in this process (so affinity matters)
 * - `POST /orders`                 processes an order (≈ 8 ms)
 * - `GET /work`                    generic balanced work (≈ 4 ms)
 * - `POST /control/slow?factor=10` multiplies every delay by `factor` (the demo's "make it slow" switch)
 *
 * Every response carries `x-upstream: <id>`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBody, sendJson } from './_http.js';

const id = process.env.UPSTREAM_ID ?? 'u?';
const port = Number(process.env.UPSTREAM_PORT ?? 0);

/** Multiplier on every simulated delay; set through `/control/slow`. */
let slowFactor = 1;
/** Per-user visit counts: state that only this upstream holds. */
const visits = new Map<string, number>();
let served = 0;

/** Simulated work of about `baseMs` (uniform 0.5×–1.5×), times the slow factor. */
function work(baseMs: number): Promise<void> {
  const ms = baseMs * slowFactor * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, 'application/json', { 'x-upstream': id });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  served++;
  const url = new URL(req.url ?? '/', 'http://upstream');
  const parts = url.pathname.split('/').filter(Boolean);
  if (req.method === 'GET' && url.pathname === '/healthz') {
    await work(0.5);
    return send(res, 200, { status: 'pass', upstream: id, served, slowFactor });
  }
  if (req.method === 'POST' && url.pathname === '/control/slow') {
    slowFactor = Number(url.searchParams.get('factor') ?? '10');
    return send(res, 200, { upstream: id, slowFactor });
  }
  if (req.method === 'GET' && parts[0] === 'products' && parts.length === 2) {
    const pid = Number(parts[1]);
    if (!Number.isSafeInteger(pid) || pid < 1) return send(res, 404, { error: 'no such product', id: parts[1], upstream: id });
    await work(6);
    return send(res, 200, { id: pid, name: `Product ${pid}`, priceCents: 100 + ((pid * 7919) % 9900), upstream: id });
  }
  if (req.method === 'GET' && parts[0] === 'users' && parts.length >= 2) {
    await work(3);
    const user = parts[1]!;
    const n = (visits.get(user) ?? 0) + 1;
    visits.set(user, n);
    return send(res, 200, { user, view: parts.slice(2).join('/') || 'profile', upstream: id, visits: n });
  }
  if (req.method === 'POST' && url.pathname === '/orders') {
    const body = await readBody(req);
    await work(8);
    return send(res, 201, { accepted: true, bytes: body.length, upstream: id });
  }
  if (req.method === 'GET' && url.pathname === '/work') {
    await work(4);
    return send(res, 200, { ok: true, upstream: id });
  }
  return send(res, 404, { error: 'not found', path: url.pathname, upstream: id });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) send(res, 500, { error: String(error), upstream: id });
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.send?.({ type: 'ready', id, port: bound });
});
// The parent going away (or its IPC channel closing) ends this process too.
process.on('disconnect', () => process.exit(0));
