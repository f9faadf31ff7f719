/**
 * The fleet's edge, its own process: what a CDN and a load balancer do in front of the web instances.
 *
 *   client ─▶ per-client rate limit (`@scaling/rate-limit`, GCRA on the private Redis, shared by every edge)
 *          ─▶ RFC 9111 caching reverse proxy (`@scaling/http-cache`: serves what the web tier marked cacheable)
 *          ─▶ load balancer (`@scaling/http-client` balanced dispatcher over the web instances: Peak EWMA,
 *             outlier ejection, retries on another instance for idempotent requests and idempotency keys,
 *             and its active health checks of each instance's `/readyz`: an instance that fails them
 *             (killed, or draining in a graceful shutdown) leaves the rotation until it passes again).
 *
 * The caching proxy speaks to one origin URL, so the balancer is that origin: a second server of this
 * process on loopback.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Histogram } from '@scaling/core';
import { createCachingProxy } from '@scaling/http-cache';
import { createBalancedDispatcher, type HttpEndpoint } from '@scaling/http-client';
import { PeakEwma } from '@scaling/load-balancer';
import { RateLimiter } from '@scaling/rate-limit';
import { concurrencyBudget } from '@scaling/resilience';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { createMetrics, env, exitWithParent, json, readBody, ready } from './common.js';
import { namedEndpoints } from './stats.js';

exitWithParent();
const port = Number(env('PORT'));
const webs = env('WEBS')
  .split(',')
  .map((w) => {
    const [name, origin] = w.split('=') as [string, string];
    return { name, origin: new URL(origin).origin };
  });
const names = new Map(webs.map((w) => [w.origin, w.name]));
const ratePerClient = Number(process.env.RATE_LIMIT ?? '20');

// ── load balancing over the web instances ─────────────────────────────────────────────────────────────
const lb = createBalancedDispatcher({
  endpoints: webs.map((w) => w.origin),
  // Panic routing (picks spanning unhealthy instances too) only once no instance passes: with the default
  // 50 %, one killed and one draining instance out of three would send requests to the dead one.
  balancer: new PeakEwma<HttpEndpoint>({ panicThreshold: 30 }),
  // Generous: on a busy shared machine a healthy instance can take seconds; a dead one fails at once.
  attemptTimeoutMs: 5_000,
  timeoutMs: 15_000,
  // Losing one of three instances fails a third of the requests in flight at once: the retry budget
  // (Envoy's, default 20 % of active requests) must cover that, or those requests fail instead of moving.
  retry: { maxAttempts: 3, budget: concurrencyBudget({ ratio: 0.5, minConcurrency: 10 }) },
  outlierDetection: { consecutiveFailures: 3, baseEjectionTimeMs: 3_000 },
  // GET /readyz every 250 ms: 2 failures take an instance out of rotation, 2 passes bring it back. The
  // dispatcher ANDs the check with outlier detection; the endpoints (and their counters) stay in place.
  healthCheck: { path: '/readyz', intervalMs: 250, timeoutMs: 1_000, unhealthyThreshold: 2, healthyThreshold: 2 },
  pool: { connections: 32 },
});
/** Instances whose active check fails (the rotation the timeline shows). */
const checkFailing = new Set<string>();
const lbEvents: { t: number; label: string }[] = [];
lb.on('ejected', ({ origin, source }) => {
  if (source !== 'healthCheck' || checkFailing.has(origin)) return;
  checkFailing.add(origin);
  lbEvents.push({ t: Date.now(), label: `${names.get(origin) ?? origin} out of rotation` });
});
lb.on('returned', ({ origin, source }) => {
  if (source !== 'healthCheck' || !checkFailing.delete(origin)) return;
  lbEvents.push({ t: Date.now(), label: `${names.get(origin) ?? origin} back in rotation` });
});
/** The dispatcher's stats with the instances' names as endpoint keys. */
const lbStats = () => namedEndpoints(lb.stats(), names);

/** The first failures of the balancer (what the edge answered 502 for). */
const lbFailures: string[] = [];
const origin = createServer((req, res) => {
  balance(req, res).catch((error: unknown) => {
    if (lbFailures.length < 10)
      lbFailures.push(
        `${req.method} ${req.url}: ${error instanceof Error ? `${error.message}${error.cause ? ` (cause: ${String(error.cause)})` : ''}` : String(error)}`,
      );
    if (!res.headersSent) json(res, 502, { error: 'bad gateway', reason: error instanceof Error ? error.message : String(error) });
    else res.destroy();
  });
});
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);
async function balance(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
  const r = await request(`http://web${req.url ?? '/'}`, {
    dispatcher: lb,
    method: (req.method ?? 'GET') as 'GET',
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const bytes = Buffer.from(await r.body.arrayBuffer());
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
  out['content-length'] = String(bytes.length);
  res.writeHead(r.statusCode, out);
  res.end(bytes);
}
await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
const originAddress = origin.address();
const originUrl = `http://127.0.0.1:${typeof originAddress === 'object' && originAddress ? originAddress.port : 0}`;

// ── the CDN: an RFC 9111 shared cache in front of the balancer ─────────────────────────────────────────
const cdn = createCachingProxy({ origin: originUrl, maxSizeBytes: 16 * 1024 * 1024, originTimeoutMs: 20_000 });

// ── per-client rate limit, shared through Redis ───────────────────────────────────────────────────────
const redis = new Redis({ host: '127.0.0.1', port: Number(env('REDIS_PORT')), maxRetriesPerRequest: 1, connectionName: 'edge-ratelimit' });
redis.on('error', () => {}); // reported by the limiter's store-down / store-up; ioredis reconnects
const limiter = new RateLimiter({
  limits: { limit: ratePerClient, periodMs: 1_000, name: 'client' },
  redis: { client: redis, commandTimeoutMs: 300, whenDown: 'local', instances: 1 },
});

// ── what the edge measured (the CDN's figures are the caching proxy's own stats()) ──────────────────────
const byStatus: Record<string, number> = {};
const latency = new Histogram();
let window = new Histogram();
let rateLimited = 0;
let requests = 0;

function edgeStats() {
  return {
    requests,
    rateLimited,
    byStatus: { ...byStatus },
    requestDuration: { count: latency.count, p50: latency.quantile(0.5), p99: latency.quantile(0.99) },
  };
}
const metrics = createMetrics();
metrics.collector.register('rate_limiter', limiter, { limiter: 'edge' });
metrics.collector.register('http_client', { stats: lbStats }, { instance: 'edge' });
metrics.collector.register('http_cache', cdn, { instance: 'edge' });
metrics.collector.register('edge', { stats: () => ({ requests, rateLimited }) });

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/metrics') return metrics.handle(res);
  if (url === '/stats') {
    const w = window;
    window = new Histogram();
    return json(res, 200, {
      edge: edgeStats(),
      cdn: cdn.stats(),
      window: { count: w.count, p50: w.quantile(0.5), p99: w.quantile(0.99) },
      limiter: limiter.stats(),
      lb: lbStats(),
      rotation: webs.map((w) => ({ name: w.name, inRotation: !checkFailing.has(w.origin) })),
      // Every rotation change so far (a handful): a scrape the driver gave up on loses none.
      lbEvents,
      lbFailures,
    });
  }
  requests++;
  const started = performance.now();
  res.once('finish', () => {
    const ms = performance.now() - started;
    latency.record(Math.max(ms, 0.001));
    window.record(Math.max(ms, 0.001));
    const code = String(res.statusCode);
    byStatus[code] = (byStatus[code] ?? 0) + 1;
  });
  const client = req.headers['x-client-id'];
  const key = typeof client === 'string' ? client : (req.socket.remoteAddress ?? 'unknown');
  limiter.limit(key).then(
    (d) => {
      if (d.allowed) return cdn.handler(req, res);
      rateLimited++;
      json(res, 429, { error: 'rate limited', client: key }, { 'retry-after': String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))) });
    },
    () => cdn.handler(req, res),
  );
});
server.keepAliveTimeout = 10_000;

const stop = (): void => {
  cdn.close();
  void lb.close();
  redis.disconnect();
  server.closeAllConnections();
  origin.closeAllConnections();
  server.close();
  origin.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
server.listen(port, '127.0.0.1', () => ready(port));
