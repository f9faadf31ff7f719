/** The request mix of the built-in load run, and the messages the load worker sends. */
import type autocannon from 'autocannon';

export interface LoadWorkerInput {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second over all connections; 0 = as fast as the gateway answers. */
  rate: number;
  /** Which request mix: the single gateway's (default) or the fleet's ({@link pickFleetRequest}). */
  mix?: 'single' | 'fleet';
  /** Seconds before a request counts as timed out (default 5). */
  timeoutSeconds?: number;
}

export interface LoadProgress {
  type: 'progress';
  responses: number;
  byStatus: Record<string, number>;
  /** Connection errors and timeouts seen by the client. */
  errors: number;
  timeouts: number;
}

export interface LoadDone {
  type: 'done';
  requests: number;
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  durationSeconds: number;
}

/** Product ids 1..PRODUCTS, skewed (a few are hot) so the cache has something to do. */
const PRODUCTS = 2_000;
const USERS = 500;
const NO_HEADERS = {};
const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * One request of the mix: 40 % `GET /products/:id` (skewed ids), 25 % `GET /users/:id/...`,
 * 25 % `GET /work`, 10 % `POST /orders`.
 */
export function pickRequest(request: autocannon.Request, random: () => number): autocannon.Request {
  const r = random();
  request.headers = NO_HEADERS;
  if (r < 0.4) {
    // Cubing a uniform number skews towards small ids: the first 1 % of ids get a fifth of the lookups.
    const id = 1 + Math.floor(PRODUCTS * random() ** 3);
    request.method = 'GET';
    request.path = `/products/${id}`;
    request.body = undefined;
  } else if (r < 0.65) {
    const user = 1 + Math.floor(USERS * random());
    request.method = 'GET';
    request.path = `/users/${user}/${random() < 0.5 ? 'profile' : 'cart'}`;
    request.body = undefined;
  } else if (r < 0.9) {
    request.method = 'GET';
    request.path = '/work';
    request.body = undefined;
  } else {
    request.method = 'POST';
    request.path = '/orders';
    request.headers = JSON_HEADERS;
    request.body = JSON.stringify({ sku: Math.floor(random() * 1000), qty: 1 + Math.floor(random() * 3) });
  }
  return request;
}

/** The fleet's anonymous clients: 64 of them, each sending `x-client-id` (the edge rate-limits per client). */
const FLEET_CLIENTS = Array.from({ length: 64 }, (_, i) => ({ 'x-client-id': `c${i}` }));

/**
 * One request of the fleet's mix, from one of 64 clients: 55 % `GET /products/:id` (skewed ids, cacheable at
 * the edge and in the shared tier), 20 % `GET /users/:id/...` and 25 % `GET /work` (both through the web
 * instances to the upstream services). Orders and product writes are sent by the demo's own clients,
 * which keep a ledger of what was accepted and written.
 */
export function pickFleetRequest(request: autocannon.Request, random: () => number): autocannon.Request {
  const r = random();
  request.headers = FLEET_CLIENTS[Math.floor(random() * FLEET_CLIENTS.length)]!;
  request.method = 'GET';
  request.body = undefined;
  if (r < 0.55) request.path = `/products/${1 + Math.floor(PRODUCTS * random() ** 3)}`;
  else if (r < 0.75) request.path = `/users/${1 + Math.floor(USERS * random())}/${random() < 0.5 ? 'profile' : 'cart'}`;
  else request.path = '/work';
  return request;
}
