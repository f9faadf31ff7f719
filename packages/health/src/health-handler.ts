import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertOptions, describeValue } from '@scaling/core/internal';
import type { GracefulShutdown } from './graceful-shutdown.js';
import type { HealthMonitor } from './health-monitor.js';
import { HEALTH_CONTENT_TYPE, type HealthReport, type ProbeKind } from './health-report.js';

/** Which report a route serves: the full report or one Kubernetes probe. */
export type HealthRoute = 'health' | ProbeKind;

/** Options of {@link createHealthHandler}. */
export interface HealthHandlerOptions {
  /** The checks behind the reports. Without one, every probe passes (until shutdown). */
  monitor?: HealthMonitor;
  /** When given, readiness fails as soon as a shutdown starts (liveness stays up). */
  shutdown?: GracefulShutdown;
  /**
   * URL paths of the routes. Defaults: `/health` (every check), `/livez`, `/readyz`, `/startupz`.
   * Set one to `false` to leave it out.
   */
  paths?: Partial<Record<HealthRoute, string | false>>;
}

/** A rendered probe response, for frameworks that write responses themselves (Fastify `reply`, …). */
export interface HealthResponse {
  /** 200 for `pass`/`warn`, 503 for `fail`. */
  readonly statusCode: number;
  /** `Content-Type`, `Cache-Control` and `Content-Length` headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body ({@link HealthReport}). */
  readonly body: string;
  /** The report behind `body`. */
  readonly report: HealthReport;
}

/**
 * A node:http request handler (also an Express middleware) serving health reports as
 * `application/health+json`. Calls `next()` (or answers 404 when there is none) for other paths.
 */
export interface HealthHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /**
   * Renders one route without touching a response (for Fastify and other frameworks). The result is
   * frozen and reused until the monitor's {@link HealthMonitor.revision} or the shutdown state changes.
   */
  render(route: HealthRoute): HealthResponse;
}

const DEFAULT_PATHS: Record<HealthRoute, string> = { health: '/health', liveness: '/livez', readiness: '/readyz', startup: '/startupz' };

/** Option names from terminus and lightship. */
const HANDLER_HINTS: Record<string, string> = {
  healthChecks: 'use `monitor` (a HealthMonitor) and `paths` (terminus `healthChecks`)',
  healthz: 'use `paths: { liveness: "/healthz" }` (or `readiness`)',
  livez: 'use `paths: { liveness: "/livez" }`',
  readyz: 'use `paths: { readiness: "/readyz" }`',
  monitors: 'use `monitor` (one HealthMonitor holds every check)',
  gracefulShutdown: 'use `shutdown`',
};

/** Route names users write for the Kubernetes probes. */
const PATH_HINTS: Record<string, string> = {
  healthz: 'the route names are `health`, `liveness`, `readiness`, `startup`: e.g. `paths: { liveness: "/healthz" }`',
  livez: 'use `liveness`',
  live: 'use `liveness`',
  readyz: 'use `readiness`',
  ready: 'use `readiness`',
  startupz: 'use `startup`',
  started: 'use `startup`',
};

/**
 * Creates the health endpoints, with Kubernetes probe semantics:
 *
 * - **liveness** (`/livez`) — only checks marked `probes: ['liveness']`; stays 200 during a graceful
 *   shutdown (a failing liveness probe restarts the container — never tie it to a dependency).
 * - **readiness** (`/readyz`) — checks in readiness (the default); 503 at once when a shutdown starts.
 * - **startup** (`/startupz`) — 503 until the readiness checks have passed once, then 200 for good.
 * - **health** (`/health`) — every check.
 *
 * Status codes follow the IETF draft: 200 for `pass` and `warn`, 503 for `fail`; `HEAD` gets headers only.
 *
 * @throws {TypeError} on a bad option.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHealthHandler, HealthMonitor } from '@scaling/health';
 * const monitor = new HealthMonitor({ checks: [{ name: 'self', check: () => true, healthyThreshold: 1 }] }).start();
 * const health = createHealthHandler({ monitor });
 * createServer((req, res) => health(req, res, () => res.end('app'))).listen(0);
 * // Express: app.use(health). Fastify: fastify.get('/readyz', (_q, reply) => {
 * //   const r = health.render('readiness'); reply.code(r.statusCode).headers(r.headers).send(r.body); });
 * ```
 */
export function createHealthHandler(options: HealthHandlerOptions = {}): HealthHandler {
  assertOptions('createHealthHandler options', options, ['monitor', 'shutdown', 'paths'], HANDLER_HINTS);
  const { monitor, shutdown } = options;
  if (monitor !== undefined && (typeof monitor !== 'object' || monitor === null || typeof monitor.report !== 'function'))
    throw new TypeError(`Expected \`monitor\` to be a HealthMonitor, got ${describeValue(monitor)}`);
  if (shutdown !== undefined && (typeof shutdown !== 'object' || shutdown === null || typeof shutdown.isShuttingDown !== 'boolean'))
    throw new TypeError(`Expected \`shutdown\` to be a GracefulShutdown, got ${describeValue(shutdown)}`);
  const paths = assertOptions('createHealthHandler `paths`', options.paths, Object.keys(DEFAULT_PATHS), PATH_HINTS, true);
  const routes = new Map<string, HealthRoute>();
  for (const route of Object.keys(DEFAULT_PATHS) as HealthRoute[]) {
    const p = paths[route] ?? DEFAULT_PATHS[route];
    if (p === false) continue;
    if (typeof p !== 'string' || !p.startsWith('/'))
      throw new TypeError(`Expected \`paths.${route}\` to be a path starting with "/" or false, got ${describeValue(p)}`);
    routes.set(p, route);
  }

  // One rendered response per route, reused while the monitor's revision and the shutdown state are unchanged
  // (probes poll far more often than checks complete).
  const cache = new Map<HealthRoute, { revision: number; shuttingDown: boolean; started: boolean; response: HealthResponse }>();

  const render = (route: HealthRoute): HealthResponse => {
    const revision = monitor?.revision ?? 0;
    const shuttingDown = shutdown?.isShuttingDown === true;
    const started = route === 'startup' && monitor !== undefined ? monitor.started : true;
    const hit = cache.get(route);
    if (hit !== undefined && hit.revision === revision && hit.shuttingDown === shuttingDown && hit.started === started) return hit.response;
    const response = build(route, shuttingDown);
    cache.set(route, { revision, shuttingDown, started, response });
    return response;
  };

  const build = (route: HealthRoute, shuttingDown: boolean): HealthResponse => {
    let report: HealthReport =
      monitor === undefined ? { status: 'pass', checks: {} } : monitor.report(route === 'health' ? undefined : route);
    if ((route === 'readiness' || route === 'health') && shuttingDown) report = { ...report, status: 'fail', output: 'shutting down' };
    const body = JSON.stringify(report);
    return Object.freeze({
      statusCode: report.status === 'fail' ? 503 : 200,
      headers: Object.freeze({
        'content-type': HEALTH_CONTENT_TYPE,
        'cache-control': 'no-store',
        'content-length': String(Buffer.byteLength(body)),
      }),
      body,
      report,
    });
  };

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = routes.get(q < 0 ? url : url.slice(0, q));
    if (route === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      if (next !== undefined) next();
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const r = render(route);
    res.writeHead(r.statusCode, r.headers);
    res.end(req.method === 'HEAD' ? undefined : r.body);
  }) as HealthHandler;
  handler.render = render;
  return handler;
}
