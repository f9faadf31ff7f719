// The caching reverse proxy: a `node:http` request handler in front of one origin, on the engine.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { assertPositiveInteger } from '@scaling/core/internal';
import { HttpCacheEngine } from './engine.js';
import type { HttpCacheOptions } from './engine-options.js';
import type { HeaderMap } from './headers.js';
import type { OriginFetch, OriginResponse, ResponseSink } from './sink.js';

/** Options of {@link createCachingProxy}: the engine's ({@link HttpCacheOptions}) plus the origin. */
export interface CachingProxyOptions extends HttpCacheOptions {
  /** The origin every request is forwarded to, e.g. `'http://127.0.0.1:3000'` (`http:` or `https:`; no path or query: a `TypeError` otherwise). */
  origin: string | URL;
  /** Origin response timeout in ms (default 30 000). */
  originTimeoutMs?: number;
}

/**
 * The field values of an origin response as the policy reads them: Node keeps only the first line of a
 * repeated `Age`, so a repeated one is restored as an array (see `parseAge`).
 */
export function responseHeaders(response: IncomingMessage): HeaderMap {
  const headers: HeaderMap = response.headers;
  if (headers.age !== undefined) {
    const lines = response.headersDistinct.age;
    if (lines !== undefined && lines.length > 1) headers.age = lines;
  }
  return headers;
}

/**
 * A caching reverse proxy in front of one origin: a `node:http` request listener over the
 * {@link HttpCacheEngine} (an RFC 9111 shared cache with request coalescing, stale-while-revalidate,
 * stale-if-error and purge by URL or surrogate key). Responses carry
 * `x-cache: HIT | STALE | MISS | REVALIDATED | PASS | STALE-IF-ERROR | ERROR`.
 *
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 * @example
 * ```ts no-run
 * import http from 'node:http';
 * import { createCachingProxy } from '@scaling/http-cache';
 * const proxy = createCachingProxy({ origin: 'http://127.0.0.1:3000' });
 * http.createServer(proxy.handler).listen(8080);
 * ```
 */
export class CachingProxy extends HttpCacheEngine {
  /** The `node:http` request listener: `http.createServer(proxy.handler)`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly #origin: URL;
  readonly #client: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #originTimeoutMs: number;

  constructor(options: CachingProxyOptions) {
    super(options, 'CachingProxy', ['origin', 'originTimeoutMs']);
    if (options.origin === undefined) throw new TypeError('Expected `origin` to be an http: or https: URL, got undefined');
    this.#origin = new URL(String(options.origin));
    if (this.#origin.protocol !== 'http:' && this.#origin.protocol !== 'https:') {
      throw new TypeError(`Expected \`origin\` to be an http: or https: URL, got ${this.#origin.href}`);
    }
    // Requests are sent to the origin with their own path: a base path here would be silently dropped.
    if (this.#origin.pathname !== '/' || this.#origin.search !== '' || this.#origin.hash !== '')
      throw new TypeError(`Expected \`origin\` to be an origin (scheme, host and port) without a path or query, got ${this.#origin.href}`);
    this.#client = this.#origin.protocol === 'https:' ? https : http;
    this.#originTimeoutMs = options.originTimeoutMs ?? 30_000;
    assertPositiveInteger('originTimeoutMs', this.#originTimeoutMs);
    this.#agent = new this.#client.Agent({ keepAlive: true, maxSockets: 1024 });
    this.handler = (req, res) => {
      const method = (req.method ?? 'GET').toUpperCase();
      const key = req.url ?? '/';
      const fetch: OriginFetch = (headers) => this.#request(method, key, headers, method === 'GET' || method === 'HEAD' ? undefined : req);
      const done = this.handle({ method, key, headers: req.headers }, res as ResponseSink, fetch);
      done?.catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('Bad Gateway');
        } else res.destroy(error as Error);
      });
    };
  }

  /** Closes the origin connection pool. */
  close(): void {
    this.#agent.destroy();
  }

  #request(method: string, key: string, headers: HeaderMap, body: IncomingMessage | undefined): Promise<OriginResponse> {
    headers.host = this.#origin.host;
    return new Promise((resolve, reject) => {
      const request = this.#client.request(
        {
          protocol: this.#origin.protocol,
          hostname: this.#origin.hostname,
          port: this.#origin.port,
          path: key,
          method,
          headers: headers as http.OutgoingHttpHeaders,
          agent: this.#agent,
        },
        (response) => resolve({ status: response.statusCode ?? 502, headers: responseHeaders(response), body: response }),
      );
      request.setTimeout(this.#originTimeoutMs, () => request.destroy(new Error('origin timeout')));
      request.on('error', reject);
      if (body !== undefined) body.pipe(request);
      else request.end();
    });
  }
}

/**
 * Creates a {@link CachingProxy} in front of `options.origin`.
 *
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 * @example
 * ```ts no-run
 * import http from 'node:http';
 * import { createCachingProxy } from '@scaling/http-cache';
 * const proxy = createCachingProxy({ origin: 'http://127.0.0.1:3000', maxSizeBytes: 128 * 1024 * 1024 });
 * http.createServer(proxy.handler).listen(8080);
 * proxy.purgeSurrogateKey('product-42');
 * ```
 */
export function createCachingProxy(options: CachingProxyOptions): CachingProxy {
  return new CachingProxy(options);
}
