/**
 * One stateless web instance of the fleet (the gateway app), started by the demo as its own process:
 *
 * | route                          | what                                                                                   |
 * | ------------------------------ | -------------------------------------------------------------------------------------- |
 * | `GET /products/:id`            | tiered cache (`@scaling/cache-redis`: L1 in process, L2 on Redis) filled from the       |
 * |                                | primary (a lagging replica's row would outlive the write's invalidation in the cache); |
 * |                                | `Cache-Control: public, max-age=5` so the edge caches it. With `x-session-lsn` (a      |
 * |                                | client that wrote): no cache, a read-your-writes session read through                  |
 * |                                | `@scaling/replica-router-pg` (a replica that replayed the client's write, or primary)  |
 * | `PUT /products/:id`            | the write, on the primary; answers the new version and the session's WAL position     |
 * | `POST /orders`                 | `@scaling/jobs` on BullMQ (`@scaling/jobs-bullmq`): 202 once Redis has the job          |
 * | `GET /users/:id/*`, `GET /work` | `@scaling/http-client` balanced dispatcher over the upstream services (static list)     |
 * | `/health`, `/livez`, `/readyz` | `@scaling/health`; readiness fails the moment a graceful shutdown starts               |
 * | `/metrics`                     | `@scaling/prometheus` over every object's `stats()`                                    |
 * | `/stats`                       | the same snapshots as JSON, for the demo's driver                                      |
 *
 * SIGTERM → `GracefulShutdown`: readiness fails, the edge stops sending, in-flight requests finish, then
 * the job queue, cache, pools and dispatcher close.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createTieredCache, ioredisTransport } from '@scaling/cache-redis';
import { createHealthHandler, GracefulShutdown, HealthMonitor, redisProbe } from '@scaling/health';
import { createBalancedDispatcher } from '@scaling/http-client';
import { JobQueue } from '@scaling/jobs';
import { BullMqBackend } from '@scaling/jobs-bullmq';
import { createReplicatedPool } from '@scaling/replica-router-pg';
import { concurrencyBudget } from '@scaling/resilience';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { createMetrics, env, exitWithParent, JOB_LOCK_MS, json, ORDER_QUEUE, orderJob, readBody, ready } from './common.js';
import { namedEndpoints } from './stats.js';

exitWithParent();
const id = env('WEB_ID');
const port = Number(env('PORT'));
const redisPort = Number(env('REDIS_PORT'));
const upstreams = env('UPSTREAMS').split(',');
const upstreamNames = new Map(upstreams.map((u, i) => [new URL(u).origin, `u${i + 1}`]));

interface Product {
  id: number;
  name: string;
  priceCents: number;
  version: number;
}

// ── the shared product cache: L1 in this process, L2 on Redis, invalidations on the Redis bus ──────────
const redis = new Redis({
  host: '127.0.0.1',
  port: redisPort,
  maxRetriesPerRequest: 1,
  connectTimeout: 500,
  connectionName: `${id}-cache`,
});
const tier = createTieredCache<Product>({
  transport: ioredisTransport(redis, { heartbeatMs: 500, connectionName: `${id}-bus` }),
  prefix: 'fleet:products:',
  ttl: 30_000, // writes invalidate every instance's copy (the bus), so the TTL only bounds memory
  commandTimeout: 200,
});
redis.on('error', () => {}); // the tier counts L2 errors and opens its breaker; ioredis reconnects
let breakerEvents = 0;
tier.on('breaker', () => breakerEvents++);

// ── the database: reads to the streaming replica when it is eligible, writes to the primary ──────────────
const db = createReplicatedPool({
  primary: { connectionString: env('PG_PRIMARY'), max: 6 },
  replicas: [{ id: 'replica', pool: { connectionString: env('PG_REPLICA'), max: 6 } }],
  maxLagMs: 1_000,
  maxWaitMs: 150,
  checkIntervalMs: 250,
});
db.on('error', () => {}); // idle connection errors: the pool replaces the connection

// ── calls to the upstream services: one balanced dispatcher over the static list ─────────────────────────
const upstream = createBalancedDispatcher({
  endpoints: upstreams,
  attemptTimeoutMs: 1_500,
  timeoutMs: 6_000,
  outlierDetection: { consecutiveFailures: 3, baseEjectionTimeMs: 5_000 },
  retry: { maxAttempts: 3, budget: concurrencyBudget({ ratio: 0.5, minConcurrency: 10 }) },
});

// ── orders: durable jobs on BullMQ; this process only enqueues ─────────────────────────────────────────
const jobs = new JobQueue({
  backend: new BullMqBackend({ connection: { host: '127.0.0.1', port: redisPort }, queueName: ORDER_QUEUE, lockDurationMs: JOB_LOCK_MS }),
  jobs: [
    orderJob(async () => {
      throw new Error('web instances do not run orders');
    }),
  ],
});
const order = orderJob(async () => {});

// ── health and graceful shutdown ─────────────────────────────────────────────────────────────────────────
const monitor = new HealthMonitor({
  serviceId: `fleet-${id}`,
  checks: [{ name: 'redis', componentType: 'datastore', check: redisProbe(redis), intervalMs: 1_000, critical: false }],
});
monitor.start();
const server = createServer((req, res) => {
  counters.requests++;
  handle(req, res).catch((error: unknown) => {
    counters.errors++;
    if (!res.headersSent) json(res, 500, { error: String(error), instance: id });
    else res.destroy();
  });
});
server.keepAliveTimeout = 10_000;
const shutdown = new GracefulShutdown({ servers: [server], delayMs: 800, drainTimeoutMs: 4_000, hookTimeoutMs: 3_000 });
shutdown.addHook(async () => {
  monitor.stop();
  await jobs.close({ timeoutMs: 2_000 });
  await tier.close();
  await db.end();
  await upstream.close();
  redis.disconnect();
});
const health = createHealthHandler({ monitor, shutdown });
const metrics = createMetrics();

const counters = { requests: 0, errors: 0, productReads: 0, sessionReads: 0, writes: 0, ordersAccepted: 0, ordersFailed: 0 };
const instance = { instance: id };
metrics.collector.register('tiered_cache', tier, instance);
metrics.collector.register('replicated_pool', db, instance);
metrics.collector.register('jobs', jobs, instance);
metrics.collector.register('http_client', { stats: () => namedEndpoints(upstream.stats(), upstreamNames) }, instance);
metrics.collector.register('web', { stats: () => ({ ...counters, breakerEvents }) }, instance);

function snapshot(): object {
  return {
    id,
    pid: process.pid,
    web: { ...counters, breakerEvents },
    tier: tier.stats(),
    db: db.stats(),
    replicas: db.router.states(),
    upstreams: namedEndpoints(upstream.stats(), upstreamNames),
    jobs: jobs.stats(),
  };
}

const PRODUCT_SQL = 'SELECT id, name, price_cents, version FROM products WHERE id = $1';
type Row = { id: number; name: string; price_cents: number; version: number };
const toProduct = (r: Row): Product => ({ id: r.id, name: r.name, priceCents: r.price_cents, version: r.version });

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const path = url.split('?')[0]!;
  const parts = path.split('/').filter(Boolean);
  const headers = { 'x-served-by': id };

  if (path === '/health' || path === '/livez' || path === '/readyz' || path === '/startupz') return health(req, res);
  if (path === '/metrics') return metrics.handle(res);
  if (path === '/stats') return json(res, 200, snapshot());

  if (parts[0] === 'products' && parts.length === 2) {
    const pid = Number(parts[1]);
    if (!Number.isSafeInteger(pid) || pid < 1) return json(res, 404, { error: 'no such product' }, headers);
    const lsn = req.headers['x-session-lsn'];
    if (req.method === 'PUT') {
      const body = JSON.parse((await readBody(req)) || '{}') as { priceCents?: number };
      const session = db.session();
      if (typeof lsn === 'string') session.token.observe(Number(lsn));
      const { rows } = await session.query<{ version: number }>(
        'UPDATE products SET price_cents = $1, version = version + 1 WHERE id = $2 RETURNING version',
        [Math.max(1, Math.trunc(body.priceCents ?? 100)), pid],
      );
      // Every instance drops its copy (the bus); the edge drops its copy on this unsafe method (RFC 9111 §4.4).
      await tier.delete(`p:${pid}`);
      counters.writes++;
      return json(
        res,
        rows[0] ? 200 : 404,
        { id: pid, version: rows[0]?.version },
        {
          ...headers,
          'cache-control': 'no-store',
          'x-session-lsn': String(session.token.position),
        },
      );
    }
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' }, headers);
    if (typeof lsn === 'string') {
      // A client that wrote: read-your-writes through its session, never from a cache.
      counters.sessionReads++;
      const session = db.session();
      session.token.observe(Number(lsn));
      const { rows } = await session.query<Row>(PRODUCT_SQL, [pid]);
      return json(res, rows[0] ? 200 : 404, rows[0] ? toProduct(rows[0]) : { error: 'no such product' }, {
        ...headers,
        'cache-control': 'private, no-store',
      });
    }
    counters.productReads++;
    let found: { value: Product; status: string };
    try {
      found = await tier.getOrLoadWithStatus(`p:${pid}`, async () => {
        // A cache fill reads the primary, never a replica: the copy it stores is shared by every instance
        // and kept for the TTL (30 s), so it must hold every write whose invalidation was already sent. A
        // replica may serve reads while up to `maxLagMs` (1 s) behind, so a miss just after a write would
        // read the row the write replaced and cache it after the write's invalidation (the cache cannot
        // tell: the fill started after the invalidation) — the lagging-replica case of the cache-aside race
        // ("Scaling Memcache at Facebook", NSDI 2013, §5 remote markers). The cost: one primary read per
        // key and TTL for the fleet (behind the cache's single flight); the replica keeps serving the
        // session reads, which carry the client's WAL position. (`connect()`: a primary connection,
        // counted in the pool's `primary` figure.)
        const primary = await db.connect();
        let rows: Row[];
        try {
          rows = (await primary.query<Row>(PRODUCT_SQL, [pid])).rows;
        } finally {
          primary.release();
        }
        if (!rows[0]) throw new NotFound();
        return toProduct(rows[0]);
      });
    } catch (error) {
      if (error instanceof NotFound) return json(res, 404, { error: 'no such product' }, headers);
      throw error;
    }
    const { value, status } = found;
    return json(res, 200, value, { ...headers, 'cache-control': 'public, max-age=5, stale-while-revalidate=5', 'x-tier': status });
  }

  if (req.method === 'POST' && path === '/orders') {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') return json(res, 400, { error: 'an idempotency-key header is required' }, headers);
    const body = JSON.parse((await readBody(req)) || '{}') as { sku?: number; qty?: number };
    try {
      const r = await jobs.enqueue(order, { key, sku: Math.trunc(body.sku ?? 1), qty: Math.trunc(body.qty ?? 1) }, { idempotencyKey: key });
      counters.ordersAccepted++;
      return json(res, 202, { accepted: true, key, duplicate: r.duplicate }, headers);
    } catch (error) {
      counters.ordersFailed++;
      return json(res, 503, { error: `order not accepted: ${String(error)}` }, { ...headers, 'retry-after': '1' });
    }
  }

  if (req.method === 'GET' && (parts[0] === 'users' || path === '/work')) {
    const r = await request(`http://upstreams${url}`, { dispatcher: upstream, method: 'GET' });
    const text = await r.body.text();
    res.writeHead(r.statusCode, {
      ...headers,
      'content-type': String(r.headers['content-type'] ?? 'application/json'),
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(text),
    });
    return void res.end(text);
  }
  return json(res, 404, { error: 'not found' }, headers);
}

class NotFound extends Error {}

const debug = (what: string): void => {
  if (process.env.FLEET_DEBUG) console.error(`${what} at ${process.uptime().toFixed(1)} s`);
};
debug('modules loaded');
await tier.ready();
debug('tier ready');
await db.ready();
debug('db ready');
server.listen(port, '127.0.0.1', () => ready(port));
