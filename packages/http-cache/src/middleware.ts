// The Express middleware and the Fastify plugin: an app's own routes as the origin.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ResponseCapture } from './capture.js';
import { HttpCacheEngine } from './engine.js';
import type { HttpCacheOptions } from './engine-options.js';

/** The request fields {@link cacheMiddleware} reads (Express sets `originalUrl`; plain `node:http` has `url`). */
export type MiddlewareRequest = IncomingMessage & {
  /** The URL before Express's router rewrote `url` (the cache key when present). */
  originalUrl?: string;
};

/** An Express (4, 5) / Connect middleware with the engine it caches in. */
export type CacheMiddleware = ((req: MiddlewareRequest, res: ServerResponse, next: (error?: unknown) => void) => void) & {
  /** The engine: `stats()`, `on()`, `purge()`, `purgeSurrogateKey()`. */
  readonly cache: HttpCacheEngine;
};

function engineOf(options: HttpCacheOptions | HttpCacheEngine | undefined, name: string): HttpCacheEngine {
  return options instanceof HttpCacheEngine ? options : new HttpCacheEngine(options ?? {}, name);
}

/**
 * Express middleware caching the app's own responses with the {@link HttpCacheEngine} (an RFC 9111 shared
 * cache: the same rules as the reverse proxy, keyed by `originalUrl`). A hit is answered without running
 * the routes; a miss runs them (`next()`), streams what they write to the client and stores it when its
 * `Cache-Control` allows, however the route answers (`res.json`, `res.write` then a later `res.end`,
 * `res.sendFile`, `express.static`). Concurrent misses of one URL run the routes once (request coalescing);
 * they are released to run them on their own when the response is uncacheable or too large, or closes
 * before the route ended it (the client left, the route failed mid-body). A stale
 * response is revalidated before it is served — the routes run with `If-None-Match`/`If-Modified-Since`
 * from the stored response, so Express's own ETag check answers 304 — since there is no request to run
 * them with in the background. Pass an engine to share one cache between apps.
 *
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 * @example
 * ```ts no-run
 * import express from 'express';
 * import { cacheMiddleware } from '@scaling/http-cache';
 * const app = express();
 * app.use(cacheMiddleware({ maxSizeBytes: 32 * 1024 * 1024 }));
 * app.get('/products/:id', (req, res) => res.set('cache-control', 'public, max-age=60').json({ id: req.params.id }));
 * ```
 */
export function cacheMiddleware(options?: HttpCacheOptions | HttpCacheEngine): CacheMiddleware {
  const engine = engineOf(options, 'cacheMiddleware');
  const middleware = (req: MiddlewareRequest, res: ServerResponse, next: (error?: unknown) => void): void => {
    const capture = new ResponseCapture(res);
    const method = (req.method ?? 'GET').toUpperCase();
    const key = req.originalUrl ?? req.url ?? '/';
    const done = engine.handle({ method, key, headers: req.headers }, capture.sink, (headers) => capture.start(req, headers, next), {
      background: false,
    });
    done?.catch((error: unknown) => next(error));
  };
  return Object.assign(middleware, { cache: engine });
}

/** The Fastify request and reply members {@link httpCachePlugin} uses (structural: no dependency on Fastify). */
export interface FastifyCacheLike {
  /** Registers the plugin's `onRequest` hook. */
  addHook(
    name: 'onRequest',
    hook: (request: { raw: IncomingMessage; url: string }, reply: { raw: ServerResponse; hijack(): unknown }) => Promise<unknown>,
  ): unknown;
  /** Adds `fastify.httpCache` (the engine). */
  decorate(name: 'httpCache', value: HttpCacheEngine): unknown;
}

/** Options of {@link httpCachePlugin}: the engine's options, or `{ engine }` to share one. */
export type FastifyHttpCacheOptions = HttpCacheOptions & {
  /** An engine to use instead of a new one (the other options are then ignored). */
  engine?: HttpCacheEngine;
};

/**
 * A Fastify (4, 5) plugin caching the app's own responses with the {@link HttpCacheEngine}: an `onRequest`
 * hook answers hits from the store (the route does not run) and lets misses through, storing what the
 * route sends when its `Cache-Control` allows. Same behaviour as {@link cacheMiddleware}. Registered
 * without encapsulation (like `fastify-plugin`), so it caches every route of the instance; the engine is
 * `fastify.httpCache`. No dependency on Fastify.
 *
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 * @example
 * ```ts no-run
 * import Fastify from 'fastify';
 * import { httpCachePlugin } from '@scaling/http-cache';
 * const app = Fastify();
 * await app.register(httpCachePlugin, { maxSizeBytes: 32 * 1024 * 1024 });
 * app.get('/products/:id', async (req, reply) => reply.header('cache-control', 'public, max-age=60').send({ ok: true }));
 * ```
 */
export const httpCachePlugin: ((fastify: FastifyCacheLike, options: FastifyHttpCacheOptions) => Promise<void>) & {
  [key: symbol]: unknown;
} = Object.assign(
  async (fastify: FastifyCacheLike, options: FastifyHttpCacheOptions): Promise<void> => {
    if (typeof options !== 'object' || options === null) throw new TypeError(`Expected \`options\` to be an object, got ${options}`);
    const { engine: shared, ...rest } = options;
    const engine = shared instanceof HttpCacheEngine ? shared : new HttpCacheEngine(rest, 'httpCachePlugin');
    fastify.decorate('httpCache', engine);
    fastify.addHook('onRequest', (request, reply) => {
      const req = request.raw;
      return new Promise<unknown>((resolve, reject) => {
        // Resolves with `reply` when the cache answers (the route must not run), `undefined` to run the route.
        let hijacked = false;
        const capture = new ResponseCapture(reply.raw, () => {
          if (hijacked) return;
          hijacked = true;
          reply.hijack();
          resolve(reply);
        });
        const method = (req.method ?? 'GET').toUpperCase();
        const done = engine.handle(
          { method, key: request.url, headers: req.headers },
          capture.sink,
          (headers) => {
            hijacked = true; // the route answers: its reply is diverted into the cache, not hijacked
            return capture.start(req, headers, () => resolve(undefined));
          },
          { background: false },
        );
        done?.catch(reject);
      });
    });
  },
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@scaling/http-cache' },
);
