// The undici interceptor: the engine as a client-side (or shared) cache for undici dispatchers.
import { PassThrough } from 'node:stream';
import { HttpCacheEngine } from './engine.js';
import type { HttpCacheOptions } from './engine-options.js';
import type { HeaderMap } from './headers.js';
import type { OriginResponse, ResponseSink } from './sink.js';

/** The controller undici hands to a dispatch handler (structural: no dependency on undici). */
export interface DispatchControllerLike {
  /** Aborts the request with `reason`. */
  abort(reason: Error): void;
  /** Stops the body's data events (backpressure). */
  pause(): void;
  /** Resumes them. */
  resume(): void;
  /** Whether it was aborted. */
  readonly aborted: boolean;
  /** Whether it is paused. */
  readonly paused: boolean;
  /** The abort reason, or `null`. */
  readonly reason: Error | null;
}

/** An undici (≥ 7) dispatch handler, new style (structural). */
export interface DispatchHandlerLike {
  /** The request started. */
  onRequestStart?(controller: DispatchControllerLike, context: unknown): void;
  /** The response head arrived. */
  onResponseStart?(
    controller: DispatchControllerLike,
    statusCode: number,
    headers: Record<string, string | string[]>,
    statusMessage?: string,
  ): void;
  /** A body chunk arrived. */
  onResponseData?(controller: DispatchControllerLike, chunk: Buffer): void;
  /** The body ended. */
  onResponseEnd?(controller: DispatchControllerLike, trailers: Record<string, string | string[]>): void;
  /** The request failed. */
  onResponseError?(controller: DispatchControllerLike, error: Error): void;
}

/** The dispatch options the interceptor reads (structural). */
export interface DispatchOptionsLike {
  /** The origin (`'http://host:port'`); requests without one pass through untouched. */
  origin?: string | URL;
  /** Path and query. */
  path: string;
  /** The method. */
  method: string;
  /** Request fields in any form undici accepts. */
  headers?: unknown;
  /** The request body. */
  body?: unknown;
}

/** An undici dispatch function. */
export type DispatchLike = (options: DispatchOptionsLike, handler: DispatchHandlerLike) => boolean;

/** Wraps an undici dispatch function (generic, so undici's own types fit without a cast). */
export interface InterceptorFunction {
  /**
   * Returns `dispatch` wrapped by the cache.
   * @typeParam D - the dispatch function being wrapped (undici's `Dispatcher['dispatch']`).
   */
  <D extends (options: never, handler: never) => boolean>(dispatch: D): D;
}

/** An undici interceptor (for `dispatcher.compose()`) with the engine it caches in. */
export type CacheInterceptor = InterceptorFunction & {
  /** The engine: `stats()`, `on()`, `purge(absoluteUrl)`, `purgeSurrogateKey()`. */
  readonly cache: HttpCacheEngine;
};

/** Request fields as a lower-case map, from any form undici accepts (object, flat array, pairs, iterable). */
function headerMap(raw: unknown): HeaderMap {
  const out: HeaderMap = {};
  const add = (k: unknown, v: unknown): void => {
    if (v === undefined || v === null) return;
    const name = String(k).toLowerCase();
    const value = Array.isArray(v) ? v.map(String) : String(v);
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), ...(Array.isArray(value) ? value : [value])];
  };
  if (raw === undefined || raw === null) return out;
  if (Array.isArray(raw)) {
    if (Array.isArray(raw[0])) for (const [k, v] of raw as [unknown, unknown][]) add(k, v);
    else for (let i = 0; i + 1 < raw.length; i += 2) add(raw[i], raw[i + 1]);
  } else if (typeof (raw as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [k, v] of raw as Iterable<[unknown, unknown]>) add(k, v);
  } else {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) add(k, v);
  }
  return out;
}

/** Sends the request on with `dispatch` and resolves with the response head; the body streams on `body`. */
function fetchWith(dispatch: DispatchLike, options: DispatchOptionsLike, headers: HeaderMap): Promise<OriginResponse> {
  return new Promise<OriginResponse>((resolve, reject) => {
    const body = new PassThrough();
    let started = false;
    let controller: DispatchControllerLike | undefined;
    body.on('drain', () => controller?.resume());
    body.on('error', () => undefined); // reported to whoever reads the body (streamAndCollect)
    dispatch(
      { ...options, headers: headers as Record<string, string | string[]> },
      {
        onRequestStart(c) {
          controller = c;
        },
        onResponseStart(c, statusCode, responseHeaders) {
          controller = c;
          started = true;
          const h: HeaderMap = {};
          for (const [k, v] of Object.entries(responseHeaders)) h[k.toLowerCase()] = v;
          resolve({ status: statusCode, headers: h, body });
        },
        onResponseData(c, chunk) {
          if (!body.write(chunk)) c.pause();
        },
        onResponseEnd() {
          body.end();
        },
        onResponseError(_c, error) {
          if (started) body.destroy(error);
          else reject(error);
        },
      },
    );
  });
}

/** A {@link ResponseSink} calling an undici handler. */
function handlerSink(handler: DispatchHandlerLike): ResponseSink {
  let aborted: Error | null = null;
  let paused = false;
  const controller: DispatchControllerLike = {
    abort(reason) {
      aborted = reason;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    get aborted() {
      return aborted !== null;
    },
    get paused() {
      return paused;
    },
    get reason() {
      return aborted;
    },
  };
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    handler.onRequestStart?.(controller, {});
  };
  return {
    writeHead(status, headers) {
      start();
      if (aborted) return;
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = v;
      handler.onResponseStart?.(controller, status, out);
    },
    write(chunk) {
      if (!aborted) handler.onResponseData?.(controller, chunk);
    },
    end(chunk) {
      if (aborted) return;
      if (chunk !== undefined && chunk.length > 0) handler.onResponseData?.(controller, chunk);
      handler.onResponseEnd?.(controller, {});
    },
    destroy(error) {
      start();
      if (!aborted) handler.onResponseError?.(controller, error ?? new Error('response aborted'));
    },
  };
}

/**
 * An undici interceptor for client-side caching with the {@link HttpCacheEngine} — the same RFC 9111 rules
 * as the reverse proxy; a private cache by default (`shared: false`), keyed by absolute URL — for
 * `dispatcher.compose(cacheInterceptor())`. Requests the engine must not answer from the store go on to
 * the next dispatcher; a failed origin request fails the client request as it would without the cache
 * (unless `stale-if-error` allows a stored response). Concurrent misses of one URL make one request;
 * stale-while-revalidate refreshes in the background. Requests without `origin` pass through untouched.
 *
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 * @example
 * ```ts no-run
 * import { Agent, request } from 'undici';
 * import { cacheInterceptor } from '@scaling/http-cache';
 * const dispatcher = new Agent().compose(cacheInterceptor({ maxSizeBytes: 16 * 1024 * 1024 }));
 * const { body } = await request('http://127.0.0.1:3000/products/42', { dispatcher });
 * ```
 */
export function cacheInterceptor(options?: HttpCacheOptions | HttpCacheEngine): CacheInterceptor {
  const engine =
    options instanceof HttpCacheEngine
      ? options
      : new HttpCacheEngine({ shared: false, cacheStatusHeader: false, ...(options ?? {}) }, 'cacheInterceptor');
  const wrap = (dispatch: DispatchLike): DispatchLike => {
    return (opts, handler) => {
      if (opts.origin === undefined || opts.method === 'CONNECT' || opts.headers === null) return dispatch(opts, handler);
      const method = opts.method.toUpperCase();
      const key = new URL(opts.path, opts.origin).href;
      const sink = handlerSink(handler);
      const done = engine.handle({ method, key, headers: headerMap(opts.headers) }, sink, (headers) => fetchWith(dispatch, opts, headers), {
        generateErrors: false,
      });
      done?.catch((error: unknown) => sink.destroy(error as Error));
      return true;
    };
  };
  const interceptor = <D extends (options: never, handler: never) => boolean>(dispatch: D): D =>
    wrap(dispatch as unknown as DispatchLike) as unknown as D;
  return Object.assign(interceptor, { cache: engine });
}
