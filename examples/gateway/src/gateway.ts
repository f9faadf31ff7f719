/**
 * The gateway: one node:http server in front of the upstream processes, composed from the @scaling packages.
 *
 * | route                     | primitive                                                                      |
 * | ------------------------- | ------------------------------------------------------------------------------ |
 * | every proxied request     | load-balancer (peak EWMA by default) + health (active checks, outlier ejection) |
 * | `GET /products/:id`       | cache: TTL + stale-while-revalidate, single-flight loads (`getOrLoad`)          |
 * | `GET /users/:id/*`        | consistent-hash: the upstream that owns the user (bounded loads)                |
 * | `POST /orders`            | queue: bounded, processed in the background, 429 when full                     |
 * | `GET /health`             | health: `application/health+json`                                              |
 * | `GET /stats`              | the gateway's own counters as JSON                                              |
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type LoadStatus, LruCache } from '@scaling/cache';
import { BoundedLoadHash, RingHash } from '@scaling/consistent-hash';
import { exponentialBackoff, isScalingError } from '@scaling/core';
import { combineHealth, createHealthHandler, HealthMonitor, httpProbe, OutlierDetector } from '@scaling/health';
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
import { Queue } from '@scaling/queue';
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

export interface Gateway {
  readonly url: string;
  readonly server: Server;
  /** Orders waiting in the queue. */
  queueDepth(): number;
  /** Orders being processed right now. */
  queueRunning(): number;
  cacheStats(): { hits: number; misses: number; loads: number; hitRatio: number };
  /** One line per feature describing how it is configured. */
  readonly features: string[];
  /** Whether product reads go through the replica router (with its read counts), and how to turn it on when they do not. */
  replicaRouting(): string;
  close(): Promise<void>;
}

/** The balancing strategies `--strategy` accepts, each a `@scaling/load-balancer` class. */
export const STRATEGIES = {
  'peak-ewma': () => new PeakEwma<UpstreamEndpoint>(),
  p2c: () => new PowerOfTwoChoices<UpstreamEndpoint>(),
  'least-connections': () => new LeastConnections<UpstreamEndpoint>(),
  'round-robin': () => new RoundRobin<UpstreamEndpoint>(),
  'weighted-round-robin': () => new WeightedRoundRobin<UpstreamEndpoint>(),
  random: () => new Random<UpstreamEndpoint>(),
  'weighted-random': () => new WeightedRandom<UpstreamEndpoint>(),
} satisfies Record<string, () => BalancerBase<UpstreamEndpoint>>;

/** Names of {@link STRATEGIES}. */
export type StrategyName = keyof typeof STRATEGIES;

const ATTEMPT_TIMEOUT_MS = 1_000;
const MAX_ATTEMPTS = 3;
const MAX_QUEUED_ORDERS = 64;
const ORDER_CONCURRENCY = 6;
const CACHE_TTL_MS = 2_000;
const CACHE_SWR_MS = 10_000;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { metrics } = options;
  const log = options.log ?? (() => {});
  const byId = new Map(options.upstreams.map((u) => [u.id, u]));
  const makeBalancer = STRATEGIES[options.strategy as StrategyName];
  if (makeBalancer === undefined) throw new RangeError(`Unknown strategy ${JSON.stringify(options.strategy)}`);

  // ── load balancing ───────────────────────────────────────────────────────────────────────────
  const balancer = makeBalancer();
  for (const u of options.upstreams) balancer.add(u);
  // /users/:id/* → the owner of the user on a ring, with loads (in-flight requests) bounded at 1.25 × the mean.
  const users = new BoundedLoadHash(new RingHash({ vnodes: 160 }), { balanceFactor: 1.25 });
  for (const u of options.upstreams) users.addNode(u.id);

  // ── health: an upstream is in rotation while its active check passes AND outlier detection has not ejected it
  // (combineHealth ANDs the two sources per upstream; the target below only hears changes of the result).
  const health = combineHealth({
    setHealthy(id, healthy) {
      balancer.setHealthy(id, healthy);
      if (healthy) {
        users.addNode(id);
        metrics.restored(id);
      } else {
        users.removeNode(id);
        metrics.ejected(id);
      }
      const why = healthy ? 'every health source agrees' : `held down by ${health.downVotes(id).join(' and ')}`;
      metrics.event(`${id} ${healthy ? 'back in rotation' : 'ejected'} (${why})`);
      log(`${id} ${healthy ? 'back in rotation' : 'ejected'}: ${why}`);
    },
  });

  // Passive: Envoy-style outlier detection on the outcome of every real request (fed by lease releases).
  const outliers = new OutlierDetector({
    endpoints: options.upstreams.map((u) => u.id),
    consecutiveFailures: 5,
    baseEjectionTimeMs: 10_000,
    target: health.source('outlier detection'),
  });
  // A lease released without an outcome (ok absent: dropped, cancelled) counts as neither.
  balancer.on('outcome', (o) => {
    if (o.ok !== undefined) outliers.record(o.id, { ok: o.ok, latencyMs: o.latencyMs });
  });

  // Active: GET /healthz every 500 ms; 2 failures take an upstream out, 2 passes bring it back.
  const monitor = new HealthMonitor({
    serviceId: 'scaling-gateway-demo',
    description: 'gateway in front of the demo upstreams',
    checks: options.upstreams.map((u) => ({
      name: `upstream:${u.id}`,
      componentId: u.id,
      componentType: 'http',
      check: httpProbe({ url: `${u.url}/healthz`, timeoutMs: 1_000 }),
      intervalMs: 500,
      timeoutMs: 1_000,
      unhealthyThreshold: 2,
      healthyThreshold: 2,
      initialStatus: 'pass' as const,
      critical: false,
    })),
  });
  const active = health.source('the active check');
  monitor.on('change', ({ name, healthy }) => active.setHealthy(name.slice('upstream:'.length), healthy));
  monitor.start();
  const healthHandler = createHealthHandler({ monitor, paths: { liveness: false, readiness: false, startup: false } });

  /** Sends one request through the balancer, retrying on another upstream (`exclude`) when an attempt fails. */
  async function forwardBalanced(method: string, path: string, body?: string): Promise<UpstreamResponse> {
    const tried = new Set<string>();
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let lease: ReturnType<typeof balancer.pick>;
      try {
        lease = balancer.pick({ exclude: tried });
      } catch (error) {
        lastError = error; // ERR_NO_ENDPOINTS: every upstream already tried
        break;
      }
      const id = lease.endpoint.id;
      const url = lease.endpoint.url;
      if (attempt > 0) metrics.retries++;
      const started = performance.now();
      try {
        const response = await callUpstream(url, method, path, body, ATTEMPT_TIMEOUT_MS);
        const latencyMs = performance.now() - started;
        const ok = response.status < 500;
        // Feeds peak EWMA's latency estimate and, through the `outcome` event, the outlier detector.
        lease.release({ ok, latencyMs });
        metrics.attempt(id, ok, latencyMs);
        if (ok) {
          if (attempt > 0) metrics.rescued++;
          return response;
        }
        lastError = new Error(`${id} answered ${response.status}`);
      } catch (error) {
        const latencyMs = performance.now() - started;
        lease.release({ ok: false, latencyMs });
        metrics.attempt(id, false, latencyMs);
        lastError = error;
      }
      tried.add(id);
    }
    throw lastError;
  }

  /**
   * Sends a user's request to the upstream that owns the user (bounded-load consistent hashing, so a hot
   * user cannot pile every request on one upstream); if that attempt fails, to the next upstream in the
   * user's preference order.
   */
  async function forwardToOwner(userId: string, method: string, path: string): Promise<UpstreamResponse> {
    const owner = users.acquire(userId);
    let candidates: string[] = [owner];
    let lastError: unknown;
    try {
      for (let i = 0; i < candidates.length && i < MAX_ATTEMPTS; i++) {
        const id = candidates[i]!;
        const u = byId.get(id)!;
        if (i > 0) metrics.retries++;
        const started = performance.now();
        try {
          const response = await callUpstream(u.url, method, path, undefined, ATTEMPT_TIMEOUT_MS);
          const latencyMs = performance.now() - started;
          const ok = response.status < 500;
          outliers.record(id, { ok, latencyMs });
          metrics.attempt(id, ok, latencyMs);
          if (ok) {
            if (i > 0) metrics.rescued++;
            return response;
          }
          lastError = new Error(`${id} answered ${response.status}`);
        } catch (error) {
          const latencyMs = performance.now() - started;
          outliers.record(id, { ok: false, latencyMs });
          metrics.attempt(id, false, latencyMs);
          lastError = error;
        }
        // The next owners in the user's preference order, skipping the ones tried.
        if (i === 0) candidates = [owner, ...users.getNodes(userId, users.size).filter((n) => n !== owner)];
      }
    } finally {
      users.release(owner);
    }
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
    `load balancing   ${options.strategy} over ${options.upstreams.length} upstreams; a failed attempt is retried on another upstream (exclude), ${MAX_ATTEMPTS} attempts`,
    'health           active GET /healthz every 500 ms (2 fail → out, 2 pass → back) + outlier detection on every lease outcome; GET /health',
    `cache            GET /products/:id: LRU, TTL ${CACHE_TTL_MS / 1000} s + stale-while-revalidate ${CACHE_SWR_MS / 1000} s, single-flight loads`,
    'consistent hash  /users/:id/* → the upstream owning the user (ring, bounded loads c = 1.25)',
    `queue            POST /orders → 202; ${ORDER_CONCURRENCY} at a time in the background, at most ${MAX_QUEUED_ORDERS} waiting, 429 when full`,
    `replicas         ${replicaRouting()}`,
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const parts = path.split('/').filter(Boolean);

    if (req.method === 'GET' && path === '/health') return healthHandler(req, res);
    if (req.method === 'GET' && path === '/stats') {
      return sendJson(res, 200, {
        upstreams: [...metrics.upstreams.values()].map(({ latencies, ...rest }) => ({ ...rest, ok: latencies.length })),
        cache: products.stats(),
        queue: { waiting: orders.size, running: orders.pending, ...orders.stats() },
        replicas: replicaRouting(),
      });
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
      metrics.cacheLookup(status !== 'miss');
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
        metrics.ordersRejected++;
        return sendJson(res, 429, { error: 'order queue is full, retry later', waiting: orders.size }, 'application/json', {
          'retry-after': '1',
        });
      }
      metrics.ordersAccepted++;
      metrics.maxQueueDepth = Math.max(metrics.maxQueueDepth, orders.size);
      processed.then(
        () => metrics.ordersProcessed++,
        (error: unknown) => {
          metrics.ordersFailed++;
          if (!isScalingError(error)) log(`order failed: ${String(error)}`);
        },
      );
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
    replicaRouting,
    queueDepth: () => orders.size,
    queueRunning: () => orders.pending,
    cacheStats: () => products.stats(),
    async close() {
      monitor.stop();
      outliers.stop();
      balancer.close();
      await orders.close({ drain: false });
      await replicas?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
