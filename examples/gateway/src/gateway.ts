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
import { InterimBalancer, InterimCache, InterimHash, InterimQueue } from './_interim.js';
import type { GatewayMetrics } from './metrics.js';
import { callUpstream, closeUpstreamClient, type UpstreamResponse } from './upstream-client.js';

/** An upstream as the balancer sees it. */
export interface UpstreamEndpoint {
  id: string;
  url: string;
}

export interface GatewayOptions {
  upstreams: UpstreamEndpoint[];
  /** Load-balancing strategy name (see {@link STRATEGIES}). */
  strategy: string;
  metrics: GatewayMetrics;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Where to print status lines (health changes, replica routing on/off). */
  log?: (line: string) => void;
}

export interface Gateway {
  readonly url: string;
  readonly server: Server;
  /** Orders waiting in the queue. */
  queueDepth(): number;
  /** Orders being processed right now. */
  queueRunning(): number;
  cacheStats(): { hits: number; misses: number; hitRatio: number };
  /** One line per feature describing how it is configured. */
  readonly features: string[];
  /** Whether product reads go through the replica router, and how to turn it on when they do not. */
  readonly replicaRouting: string;
  close(): Promise<void>;
}

/** Strategies `--strategy` accepts. */
export const STRATEGIES = ['peak-ewma', 'p2c', 'least-connections', 'round-robin', 'random'] as const;

const ATTEMPT_TIMEOUT_MS = 1_000;
const MAX_ATTEMPTS = 3;
const MAX_QUEUED_ORDERS = 100;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { metrics } = options;
  const log = options.log ?? (() => {});
  const byId = new Map(options.upstreams.map((u) => [u.id, u]));

  // ── load balancing + health ──────────────────────────────────────────────────────────────────
  const balancer = new InterimBalancer<UpstreamEndpoint>(options.upstreams.map((u) => ({ ...u })));
  const users = new InterimHash();
  for (const u of options.upstreams) users.addNode(u.id);

  const inRotation = new Set(options.upstreams.map((u) => u.id));
  const setHealthy = (id: string, healthy: boolean, why: string): void => {
    if (healthy === inRotation.has(id)) return;
    balancer.setHealthy(id, healthy);
    if (healthy) {
      inRotation.add(id);
      users.addNode(id);
      metrics.restored(id);
    } else {
      inRotation.delete(id);
      users.removeNode(id);
      metrics.ejected(id);
    }
    metrics.event(`${id} ${healthy ? 'restored' : 'ejected'} (${why})`);
    log(`${id} ${healthy ? 'back in rotation' : 'ejected'}: ${why}`);
  };

  // Passive: consecutive failures of real traffic.
  const consecutiveFailures = new Map<string, number>();
  const recordOutcome = (id: string, ok: boolean): void => {
    const n = ok ? 0 : (consecutiveFailures.get(id) ?? 0) + 1;
    consecutiveFailures.set(id, n);
    if (n >= 5) setHealthy(id, false, 'outlier: 5 consecutive failures');
  };

  // Active: GET /healthz every 500 ms, 2 failures eject, 2 passes restore.
  const checkState = new Map<string, { pass: number; fail: number }>();
  const activeTimer = setInterval(() => {
    for (const u of options.upstreams) {
      const s = checkState.get(u.id) ?? { pass: 0, fail: 0 };
      checkState.set(u.id, s);
      callUpstream(u.url, 'GET', '/healthz', undefined, 250).then(
        (r) => {
          if (r.status === 200) {
            s.pass++;
            s.fail = 0;
            if (s.pass >= 2) setHealthy(u.id, true, 'active check passing');
          } else throw new Error(`status ${r.status}`);
        },
        () => {
          s.fail++;
          s.pass = 0;
          if (s.fail >= 2) setHealthy(u.id, false, 'active check failing');
        },
      );
    }
  }, 500);
  activeTimer.unref();

  /** Sends one request through the balancer, retrying on another upstream (`exclude`) when an attempt fails. */
  async function forwardBalanced(method: string, path: string, body?: string): Promise<UpstreamResponse> {
    const tried = new Set<string>();
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let lease: ReturnType<typeof balancer.pick>;
      try {
        lease = balancer.pick({ exclude: tried });
      } catch (error) {
        lastError = error;
        break;
      }
      const id = lease.endpoint.id;
      if (attempt > 0) metrics.retries++;
      const started = performance.now();
      try {
        const response = await callUpstream(lease.endpoint.url, method, path, body, ATTEMPT_TIMEOUT_MS);
        const latencyMs = performance.now() - started;
        const ok = response.status < 500;
        lease.release({ ok, latencyMs });
        metrics.attempt(id, ok, latencyMs);
        recordOutcome(id, ok);
        if (ok) {
          if (attempt > 0) metrics.rescued++;
          return response;
        }
        lastError = new Error(`${id} answered ${response.status}`);
      } catch (error) {
        const latencyMs = performance.now() - started;
        lease.release({ ok: false, latencyMs });
        metrics.attempt(id, false, latencyMs);
        recordOutcome(id, false);
        lastError = error;
      }
      tried.add(id);
    }
    throw lastError;
  }

  /** Sends a user's request to the upstream that owns the user, then to the next owner if that fails. */
  async function forwardToOwner(userId: string, method: string, path: string): Promise<UpstreamResponse> {
    const owners = users.getNodes(userId, 2);
    let lastError: unknown = new Error('no upstream owns this user');
    for (const id of owners) {
      const u = byId.get(id)!;
      const started = performance.now();
      try {
        const response = await callUpstream(u.url, method, path, undefined, ATTEMPT_TIMEOUT_MS);
        const latencyMs = performance.now() - started;
        const ok = response.status < 500;
        metrics.attempt(id, ok, latencyMs);
        recordOutcome(id, ok);
        if (ok) return response;
        lastError = new Error(`${id} answered ${response.status}`);
      } catch (error) {
        metrics.attempt(id, false, performance.now() - started);
        recordOutcome(id, false);
        lastError = error;
      }
      metrics.retries++;
    }
    throw lastError;
  }

  // ── cache ────────────────────────────────────────────────────────────────────────────────────
  const products = new InterimCache<UpstreamResponse>({ max: 5_000, ttl: 2_000, staleWhileRevalidate: 10_000 });

  // ── queue ────────────────────────────────────────────────────────────────────────────────────
  const orders = new InterimQueue({ concurrency: 8, maxQueued: MAX_QUEUED_ORDERS });

  const replicaRouting =
    'off — set DATABASE_URL (primary) and REPLICA_URLS (comma-separated replicas) to read products through @scaling/replica-router-pg';
  const features = [
    `load balancing   ${options.strategy} over ${options.upstreams.length} upstreams, retries on another upstream (exclude), ${MAX_ATTEMPTS} attempts`,
    'health           active GET /healthz every 500 ms (2 fail → eject, 2 pass → restore) + outlier detection on live traffic',
    'cache            GET /products/:id, TTL 2 s + stale-while-revalidate 10 s, single-flight loads',
    'consistent hash  /users/:id/* → the upstream that owns the user (bounded loads)',
    'queue            POST /orders → 202, background concurrency 8, at most 100 waiting, 429 when full',
    `replicas         ${replicaRouting}`,
  ];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const parts = path.split('/').filter(Boolean);

    if (req.method === 'GET' && path === '/health') {
      const checks = options.upstreams.map((u) => ({ id: u.id, status: inRotation.has(u.id) ? 'pass' : 'fail' }));
      const status = inRotation.size === 0 ? 'fail' : inRotation.size < options.upstreams.length ? 'warn' : 'pass';
      return sendJson(res, status === 'fail' ? 503 : 200, { status, checks }, 'application/health+json');
    }
    if (req.method === 'GET' && path === '/stats') {
      return sendJson(res, 200, {
        upstreams: [...metrics.upstreams.values()].map(({ latencies, ...rest }) => ({ ...rest, ok: latencies.length })),
        cache: products.stats(),
        queue: { waiting: orders.size, running: orders.pending, rejected: metrics.ordersRejected, processed: metrics.ordersProcessed },
      });
    }
    if (req.method === 'GET' && parts[0] === 'products' && parts.length === 2) {
      const before = products.stats().hits;
      const response = await products.getOrLoad(parts[1]!, () =>
        forwardBalanced('GET', path).then((r) => {
          // A 4xx answer is an answer, but not one worth keeping.
          if (r.status !== 200) throw Object.assign(new Error('not cacheable'), { response: r });
          return r;
        }),
      );
      const hit = products.stats().hits > before;
      metrics.cacheLookup(hit);
      return relay(res, response, hit ? 'hit' : 'miss');
    }
    if (req.method === 'GET' && parts[0] === 'users' && parts.length >= 2) {
      return relay(res, await forwardToOwner(parts[1]!, 'GET', path));
    }
    if (req.method === 'POST' && path === '/orders') {
      const body = await readBody(req);
      // Backpressure: a full queue answers 429 at once instead of growing without bound.
      if (orders.size >= MAX_QUEUED_ORDERS) {
        metrics.ordersRejected++;
        return sendJson(res, 429, { error: 'order queue is full, retry later', waiting: orders.size }, 'application/json', {
          'retry-after': '1',
        });
      }
      const accepted = orders.add(() => forwardBalanced('POST', '/orders', body));
      metrics.ordersAccepted++;
      metrics.maxQueueDepth = Math.max(metrics.maxQueueDepth, orders.size);
      accepted.then(
        () => metrics.ordersProcessed++,
        (e: { code?: string }) => {
          if (e?.code === 'ERR_QUEUE_FULL') metrics.ordersRejected++;
          else metrics.ordersFailed++;
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
      clearInterval(activeTimer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      closeUpstreamClient();
    },
  };
}

function relay(res: ServerResponse, r: UpstreamResponse, cache?: 'hit' | 'miss'): void {
  const headers: Record<string, string | number> = {
    'content-type': r.contentType || 'application/json',
    'content-length': Buffer.byteLength(r.body),
  };
  if (cache) headers['x-cache'] = cache;
  res.writeHead(r.status, headers);
  res.end(r.body);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  extra: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(json), ...extra });
  res.end(json);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
