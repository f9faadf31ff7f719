/**
 * The gateway: one node:http server in front of the upstream processes, composed from the @scaling packages.
 *
 * | route                     | primitive                                                                      |
 * | ------------------------- | ------------------------------------------------------------------------------ |
 * | every proxied request     | http-client balanced dispatcher: load-balancer (peak EWMA by default), retries  |
 * |                           | on another upstream, health (active checks + outlier ejection)                 |
 * | `GET /products/:id`       | cache: TTL + stale-while-revalidate, single-flight loads (`getOrLoad`)          |
 * | `GET /users/:id/*`        | consistent-hash: the upstream that owns the user (bounded loads)                |
 * | `POST /orders`            | queue: bounded, processed in the background, 429 when full                     |
 * | `GET /health`             | health: `application/health+json`                                              |
 * | `GET /metrics`            | prometheus: StatsCollector over every primitive's `stats()`                     |
 * | `GET /stats`              | the same `stats()` snapshots as JSON                                            |
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type LoadStatus, LruCache } from '@scaling/cache';
import { BoundedLoadHash, RingHash } from '@scaling/consistent-hash';
import { exponentialBackoff, Histogram, isScalingError } from '@scaling/core';
import { type BalancedDispatcherStats, createBalancedDispatcher, type HttpEndpoint } from '@scaling/http-client';
import {
  type BalancerBase,
  LeastConnections,
  PeakEwma,
  PowerOfTwoChoices,
  Random,
  RoundRobin,
  WeightedRandom,
  WeightedRoundRobin,
} from '@scaling/load-balancer';
import { StatsCollector } from '@scaling/prometheus';
import { Queue } from '@scaling/queue';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { readBody, sendJson } from './_http.js';
import type { GatewayMetrics } from './metrics.js';
import { type ProductSource, startReplicaRouting } from './replicas.js';
import { callUpstream, closeUpstreamClient, type UpstreamResponse } from './upstream-client.js';

/** An upstream as the balancer sees it. */
export interface UpstreamEndpoint {
  id: string;
  url: string;
}

export interface GatewayOptions {
  upstreams: UpstreamEndpoint[];
  /** Load-balancing strategy name (a key of {@link STRATEGIES}). */
  strategy: string;
  metrics: GatewayMetrics;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Where to print status lines (health changes, replica routing on/off). */
  log?: (line: string) => void;
  /** PostgreSQL primary URL: when set, product reads go through @scaling/replica-router-pg. */
  databaseUrl?: string | undefined;
  /** PostgreSQL replica URLs (with `databaseUrl`). */
  replicaUrls?: string[] | undefined;
}

/** Counters of the `/users/:id/*` route's own forwarder (conventional `stats()` shape), per upstream id. */
export interface OwnerRouteStats {
  /** Requests routed to a user's owner (counter). */
  requests: number;
  /** Attempts sent to the next owner after a failed one (counter). */
  retries: number;
  /** Requests that failed on every owner tried (counter). */
  failed: number;
  endpoints: Record<string, { requests: number; failures: number; requestDuration: Histogram }>;
}

/** One `stats()` snapshot of every primitive of the gateway: what /metrics exports and the summary reads. */
export interface GatewaySnapshot {
  /** The balanced dispatcher of every upstream call but `/users` (endpoints keyed by origin). */
  upstreams: BalancedDispatcherStats;
  /** The `/users/:id/*` consistent-hash forwarder (endpoints keyed by upstream id). */
  owners: OwnerRouteStats;
  cache: ReturnType<LruCache<string, UpstreamResponse>['stats']>;
  queue: ReturnType<Queue['stats']>;
}

export interface Gateway {
  readonly url: string;
  readonly server: Server;
  /** A fresh snapshot of every primitive's `stats()`. */
  stats(): GatewaySnapshot;
  /** Upstream id → origin (the dispatcher's endpoint key). */
  readonly origins: ReadonlyMap<string, string>;
  /** One line per feature describing how it is configured. */
  readonly features: string[];
  /** Whether product reads go through the replica router (with its read counts), and how to turn it on when they do not. */
  replicaRouting(): string;
  close(): Promise<void>;
}

/** The balancing strategies `--strategy` accepts, each a `@scaling/load-balancer` class. */
export const STRATEGIES = {
  'peak-ewma': () => new PeakEwma<HttpEndpoint>(),
  p2c: () => new PowerOfTwoChoices<HttpEndpoint>(),
  'least-connections': () => new LeastConnections<HttpEndpoint>(),
  'round-robin': () => new RoundRobin<HttpEndpoint>(),
  'weighted-round-robin': () => new WeightedRoundRobin<HttpEndpoint>(),
  random: () => new Random<HttpEndpoint>(),
  'weighted-random': () => new WeightedRandom<HttpEndpoint>(),
} satisfies Record<string, () => BalancerBase<HttpEndpoint>>;

/** Names of {@link STRATEGIES}. */
export type StrategyName = keyof typeof STRATEGIES;

const ATTEMPT_TIMEOUT_MS = 1_000;
const MAX_ATTEMPTS = 3;
const MAX_QUEUED_ORDERS = 64;
const ORDER_CONCURRENCY = 6;
const CACHE_TTL_MS = 2_000;
const CACHE_SWR_MS = 10_000;
/** The logical origin of upstream requests: the dispatcher picks the endpoint. */
const UPSTREAMS = 'http://upstreams';

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { metrics } = options;
  const log = options.log ?? (() => {});
  const byId = new Map(options.upstreams.map((u) => [u.id, u]));
  const origins = new Map(options.upstreams.map((u) => [u.id, new URL(u.url).origin]));
  const idOf = new Map([...origins].map(([id, origin]) => [origin, id]));
  const makeBalancer = STRATEGIES[options.strategy as StrategyName];
  if (makeBalancer === undefined) throw new RangeError(`Unknown strategy ${JSON.stringify(options.strategy)}`);

  // ── load balancing + health + retries: @scaling/http-client's balanced dispatcher ───────────────
  // An upstream is picked while its active check passes AND outlier detection has not ejected it (the
  // dispatcher combines both, Envoy-style); a failed attempt is retried on another upstream.
  const dispatcher = createBalancedDispatcher({
    endpoints: options.upstreams.map((u) => u.url),
    balancer: makeBalancer(),
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    retry: { maxAttempts: MAX_ATTEMPTS },
    outlierDetection: { consecutiveFailures: 5, baseEjectionTimeMs: 10_000 },
    // GET /healthz every 500 ms; 2 failures take an upstream out, 2 passes bring it back.
    healthCheck: { path: '/healthz', intervalMs: 500, timeoutMs: 1_000, unhealthyThreshold: 2, healthyThreshold: 2 },
    pool: { connections: 64 },
  });

  // /users/:id/* → the owner of the user on a ring, with loads (in-flight requests) bounded at 1.25 × the mean.
  // The dispatcher picks with its balancer and takes no routing key, so this route keeps its own forwarder;
  // the ring follows the dispatcher's health decisions.
  const users = new BoundedLoadHash(new RingHash({ vnodes: 160 }), { balanceFactor: 1.25 });
  for (const u of options.upstreams) users.addNode(u.id);
  const down = new Map<string, Set<string>>(options.upstreams.map((u) => [u.id, new Set()]));
  dispatcher.on('ejected', ({ origin, source, reason }) => {
    const id = idOf.get(origin) ?? origin;
    const sources = down.get(id);
    if (sources === undefined) return;
    const wasUp = sources.size === 0;
    sources.add(source);
    if (!wasUp) return;
    users.removeNode(id);
    metrics.ejected(id);
    metrics.event(`${id} ejected (${source === 'healthCheck' ? 'the active check' : 'outlier detection'}: ${reason})`);
    log(`${id} ejected: ${source} — ${reason}`);
  });
  dispatcher.on('returned', ({ origin, source }) => {
    const id = idOf.get(origin) ?? origin;
    const sources = down.get(id);
    if (sources === undefined || !sources.delete(source) || sources.size > 0) return;
    users.addNode(id);
    metrics.restored(id);
    metrics.event(`${id} back in rotation (every health source agrees)`);
    log(`${id} back in rotation`);
  });

  /** Sends one request through the balanced dispatcher (which retries a failed attempt on another upstream). */
  async function forwardBalanced(method: string, path: string, body?: string): Promise<UpstreamResponse> {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      // The dispatcher retries a POST on another upstream only when it carries an idempotency key: each order
      // gets one (a real upstream would deduplicate on it).
      headers['idempotency-key'] = randomUUID();
    }
    const res = await request(`${UPSTREAMS}${path}`, { method: method as 'GET', headers, body, dispatcher });
    const text = await res.body.text();
    return { status: res.statusCode, body: text, contentType: String(res.headers['content-type'] ?? '') };
  }

  const owners: OwnerRouteStats = {
    requests: 0,
    retries: 0,
    failed: 0,
    endpoints: Object.fromEntries(options.upstreams.map((u) => [u.id, { requests: 0, failures: 0, requestDuration: new Histogram() }])),
  };

  /**
   * Sends a user's request to the upstream that owns the user (bounded-load consistent hashing, so a hot
   * user cannot pile every request on one upstream); if that attempt fails, to the next upstream in the
   * user's preference order.
   */
  async function forwardToOwner(userId: string, method: string, path: string): Promise<UpstreamResponse> {
    const owner = users.acquire(userId);
    let candidates: string[] = [owner];
    let lastError: unknown;
    owners.requests++;
    try {
      for (let i = 0; i < candidates.length && i < MAX_ATTEMPTS; i++) {
        const id = candidates[i]!;
        const u = byId.get(id)!;
        const e = owners.endpoints[id]!;
        if (i > 0) owners.retries++;
        e.requests++;
        const started = performance.now();
        try {
          const response = await callUpstream(u.url, method, path, undefined, ATTEMPT_TIMEOUT_MS);
          e.requestDuration.record(performance.now() - started);
          if (response.status < 500) return response;
          e.failures++;
          lastError = new Error(`${id} answered ${response.status}`);
        } catch (error) {
          e.requestDuration.record(performance.now() - started);
          e.failures++;
          lastError = error;
        }
        // The next owners in the user's preference order, skipping the ones tried.
        if (i === 0) candidates = [owner, ...users.getNodes(userId, users.size).filter((n) => n !== owner)];
      }
    } finally {
      users.release(owner);
    }
    owners.failed++;
    throw lastError;
  }

  // ── cache: products by id, TTL + stale-while-revalidate, one load per key at a time ─────────────────
  const products = new LruCache<string, UpstreamResponse>({ max: 5_000, ttl: CACHE_TTL_MS, staleWhileRevalidate: CACHE_SWR_MS });

  // ── replica routing (only with DATABASE_URL): product reads from PostgreSQL replicas ───────────────
  const replicas: ProductSource | undefined = await startReplicaRouting(options.databaseUrl, options.replicaUrls, log);
  const replicaRouting = (): string =>
    replicas?.describe() ??
    'off — set DATABASE_URL (primary) and REPLICA_URLS (comma-separated replicas) to read products through @scaling/replica-router-pg';
  const loadProduct = replicas
    ? async (id: string): Promise<UpstreamResponse> => {
        const n = Number(id);
        const row = Number.isSafeInteger(n) && n > 0 && n < 2 ** 31 ? await replicas.product(n) : undefined;
        if (row === undefined)
          return { status: 404, body: JSON.stringify({ error: 'no such product', id }), contentType: 'application/json' };
        return { status: 200, body: JSON.stringify(row), contentType: 'application/json' };
      }
    : (id: string): Promise<UpstreamResponse> => forwardBalanced('GET', `/products/${id}`);

  const productLoader = async (key: string): Promise<UpstreamResponse> => {
    const r = await loadProduct(key);
    if (r.status !== 200) throw new NotCacheable(r);
    return r;
  };

  // ── queue: orders accepted at once, processed in the background, bounded ────────────────────────────
  const orders = new Queue({
    concurrency: ORDER_CONCURRENCY,
    maxQueued: MAX_QUEUED_ORDERS,
    timeoutMs: 5_000,
    retry: { attempts: 2, backoff: exponentialBackoff({ baseMs: 50, maxMs: 500 }) },
  });

  const features = [
    `load balancing   ${options.strategy} over ${options.upstreams.length} upstreams through @scaling/http-client's balanced dispatcher; a failed attempt is retried on another upstream, ${MAX_ATTEMPTS} attempts, retry budget`,
    "health           the dispatcher's active GET /healthz every 500 ms (2 fail → out, 2 pass → back) + outlier detection on every attempt; GET /health",
    `cache            GET /products/:id: LRU, TTL ${CACHE_TTL_MS / 1000} s + stale-while-revalidate ${CACHE_SWR_MS / 1000} s, single-flight loads`,
    "consistent hash  /users/:id/* → the upstream owning the user (ring, bounded loads c = 1.25; its own forwarder, the ring follows the dispatcher's health)",
    `queue            POST /orders → 202; ${ORDER_CONCURRENCY} at a time in the background, at most ${MAX_QUEUED_ORDERS} waiting, 429 when full`,
    `replicas         ${replicaRouting()}`,
    "metrics          GET /metrics: Prometheus text from every primitive's stats() (@scaling/prometheus); GET /stats: the same snapshots as JSON",
  ];

  const snapshot = (): GatewaySnapshot => ({
    upstreams: dispatcher.stats(),
    owners: {
      ...owners,
      endpoints: Object.fromEntries(
        Object.entries(owners.endpoints).map(([id, e]) => [id, { ...e, requestDuration: e.requestDuration.clone() }]),
      ),
    },
    cache: products.stats(),
    queue: orders.stats(),
  });

  // ── /metrics: every primitive's stats() read at scrape time ────────────────────────────────────────
  const registry = new Registry();
  const collector = new StatsCollector({ registry });
  collector.register('http_client', dispatcher, { dispatcher: 'upstreams' });
  collector.register('gateway_owner_route', { stats: () => snapshot().owners });
  collector.register('cache', products, { cache: 'products' });
  collector.register('queue', orders, { queue: 'orders' });

  /** `application/health+json` from the dispatcher's view of each upstream. */
  function healthBody(): { status: 'pass' | 'warn' | 'fail'; checks: Record<string, unknown[]> } {
    const endpoints = dispatcher.stats().endpoints;
    const checks: Record<string, unknown[]> = {};
    let up = 0;
    for (const [id, origin] of origins) {
      const e = endpoints[origin];
      const pass = e?.healthy === true && !e.ejected;
      if (pass) up++;
      checks[`upstream:${id}`] = [
        {
          componentId: id,
          componentType: 'http',
          status: pass ? 'pass' : 'warn',
          observedValue: { healthy: e?.healthy, ejected: e?.ejected },
        },
      ];
    }
    return { status: up === origins.size ? 'pass' : up > 0 ? 'warn' : 'fail', checks };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const parts = path.split('/').filter(Boolean);

    if (req.method === 'GET' && path === '/health') {
      const h = healthBody();
      return sendJson(res, h.status === 'fail' ? 503 : 200, h, 'application/health+json');
    }
    if (req.method === 'GET' && path === '/metrics') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    if (req.method === 'GET' && path === '/stats') {
      // The snapshots /metrics exports, histograms as their count and quantiles (ms).
      const json = JSON.stringify({ ...snapshot(), replicas: replicaRouting() }, (_key, v: unknown) =>
        v instanceof Histogram ? { count: v.count, p50: v.quantile(0.5), p99: v.quantile(0.99) } : v,
      );
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      return void res.end(json);
    }
    if (req.method === 'GET' && parts[0] === 'products' && parts.length === 2) {
      // The status is decided when the call is made, so concurrent requests cannot mislabel each other.
      let response: UpstreamResponse;
      let status: LoadStatus = 'miss';
      try {
        ({ value: response, status } = await products.getOrLoadWithStatus(parts[1]!, productLoader));
      } catch (error) {
        if (!(error instanceof NotCacheable)) throw error;
        response = error.response;
      }
      return relay(res, response, status);
    }
    if (req.method === 'GET' && parts[0] === 'users' && parts.length >= 2) {
      return relay(res, await forwardToOwner(parts[1]!, 'GET', path));
    }
    if (req.method === 'POST' && path === '/orders') {
      const body = await readBody(req);
      // Backpressure: `tryAdd` returns undefined at once when the queue is full (nothing queued): answer 429 now.
      const processed = orders.tryAdd(() => forwardBalanced('POST', '/orders', body));
      if (processed === undefined) {
        return sendJson(res, 429, { error: 'order queue is full, retry later', waiting: orders.size }, 'application/json', {
          'retry-after': '1',
        });
      }
      metrics.maxQueueDepth = Math.max(metrics.maxQueueDepth, orders.size);
      processed.catch((error: unknown) => {
        if (!isScalingError(error)) log(`order failed: ${String(error)}`);
      });
      return sendJson(res, 202, { accepted: true, waiting: orders.size });
    }
    if (req.method === 'GET') {
      return relay(res, await forwardBalanced('GET', path));
    }
    return sendJson(res, 404, { error: 'not found' });
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    res.once('finish', () => metrics.response(res.statusCode, performance.now() - started));
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendJson(res, 502, { error: 'bad gateway', reason: message });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    server,
    features,
    origins,
    replicaRouting,
    stats: snapshot,
    async close() {
      await orders.close({ drain: false });
      await replicas?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dispatcher.close();
      closeUpstreamClient();
    },
  };
}

/** A non-200 product answer: handed to every waiting caller through the rejection, never cached. */
class NotCacheable extends Error {
  constructor(readonly response: UpstreamResponse) {
    super(`not cacheable: status ${response.status}`);
  }
}

function relay(res: ServerResponse, r: UpstreamResponse, cache?: LoadStatus): void {
  const headers: Record<string, string | number> = {
    'content-type': r.contentType || 'application/json',
    'content-length': Buffer.byteLength(r.body),
  };
  if (cache) headers['x-cache'] = cache;
  res.writeHead(r.status, headers);
  res.end(r.body);
}
