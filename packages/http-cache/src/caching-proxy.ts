import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { Cache } from '@scaling/cache';
import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertNonNegativeFinite, assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import { type CacheControl, parseCacheControl, selectCacheControl } from './cache-control.js';
import type { CachedResponse } from './cached-response.js';
import { freshnessLifetime, initialAge } from './freshness.js';
import type { HeaderMap } from './headers.js';
import { HttpCacheStore } from './http-cache-store.js';
import { invalidationTargets, isUnsafeMethod } from './invalidation.js';
import { serveDecision, staleIfErrorAllows } from './serve-decision.js';
import { fieldsToStrip, HOP_BY_HOP, storability, stripHeaders } from './storability.js';
import { conditionalHeaders, hasValidator, mergeNotModified } from './validation.js';
import { parseVary, varyValues } from './vary.js';

/** Options of {@link createCachingProxy}. */
export interface CachingProxyOptions {
  /** The origin every request is forwarded to, e.g. `'http://127.0.0.1:3000'` (`http:` or `https:`). */
  origin: string | URL;
  /** The store (default: a new {@link HttpCacheStore} with `maxSizeBytes`/`maxEntrySizeBytes`). */
  store?: HttpCacheStore;
  /** Bytes of the default store (default 64 MiB). Ignored with `store`. */
  maxSizeBytes?: number;
  /** Per-entry cap of the default store in bytes (default `maxSizeBytes / 16`). Ignored with `store`. */
  maxEntrySizeBytes?: number;
  /**
   * Targeted cache-control fields this cache obeys before `Cache-Control`, first match wins (RFC 9213;
   * lower-case; default `['cdn-cache-control']`). Put your own first, e.g. `['acme-cache-control',
   * 'cdn-cache-control']`. They are forwarded to clients unchanged.
   */
  targetedCacheControl?: readonly string[];
  /** Response field listing surrogate keys (space or comma separated; default `'surrogate-key'`); removed before responding. */
  surrogateKeyHeader?: string;
  /** How long a stale response with a validator is kept for revalidation, in ms (default 300 000). */
  staleRetentionMs?: number;
  /** One origin fetch for concurrent misses of a URL (default `true`). */
  coalesce?: boolean;
  /**
   * After a URL answered uncacheable, later requests skip coalescing for this many ms (Varnish's
   * hit-for-miss; default 10 000).
   */
  hitForPassMs?: number;
  /** Origin response timeout in ms (default 30 000). */
  originTimeoutMs?: number;
  /** Heuristic freshness fraction of `Date − Last-Modified` (default 0.1, RFC 9111 §4.2.2). */
  heuristicFraction?: number;
  /** Time source for ages and expiry (default `systemClock`); its `now()` is mapped onto `Date.now()` at construction. */
  clock?: Clock;
}

const OPTION_KEYS = [
  'origin',
  'store',
  'maxSizeBytes',
  'maxEntrySizeBytes',
  'targetedCacheControl',
  'surrogateKeyHeader',
  'staleRetentionMs',
  'coalesce',
  'hitForPassMs',
  'originTimeoutMs',
  'heuristicFraction',
  'clock',
] as const;

/** Storability verdicts caused by the request rather than the response. */
const REQUEST_REASONS: ReadonlySet<string> = new Set(['authorization', 'request no-store', 'method']);

/** What `x-cache` says about how a response was produced. */
export type CacheStatus = 'HIT' | 'STALE' | 'MISS' | 'REVALIDATED' | 'PASS' | 'STALE-IF-ERROR';

interface Flight {
  /** Resolves when waiting callers should look again: stored, uncacheable or failed. */
  settled: Promise<void>;
  settle: () => void;
}

interface OriginResult {
  status: number;
  headers: HeaderMap;
  body: IncomingMessage;
  requestTime: number;
  responseTime: number;
}

/**
 * A caching reverse proxy in front of one origin: a `node:http` request listener implementing an RFC 9111
 * shared cache — `Cache-Control`/`Expires`/heuristic freshness, RFC 9213 `CDN-Cache-Control`, `Vary`,
 * validation with 304 header merging, invalidation on unsafe methods, RFC 5861 stale-while-revalidate
 * (background revalidation) and stale-if-error — with request coalescing and purge by URL or surrogate key.
 * Responses carry `x-cache: HIT | STALE | MISS | REVALIDATED | PASS | STALE-IF-ERROR`.
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
export class CachingProxy {
  /** The store holding the cached responses. */
  readonly store: HttpCacheStore;
  /** The `node:http` request listener: `http.createServer(proxy.handler)`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly #origin: URL;
  readonly #client: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #targeted: readonly string[];
  readonly #surrogateHeader: string;
  readonly #staleRetentionMs: number;
  readonly #coalesce: boolean;
  readonly #hitForPassMs: number;
  readonly #originTimeoutMs: number;
  readonly #heuristicFraction: number;
  readonly #clock: Clock;
  readonly #epochOffset: number;
  readonly #flights = new Map<string, Flight>();
  readonly #revalidating = new Set<string>();
  readonly #pass: Cache<string, true>;
  #originRequests = 0;

  constructor(options: CachingProxyOptions) {
    assertOptions('CachingProxy', options, OPTION_KEYS, {
      target: 'use `origin`',
      ttl: 'freshness comes from the origin’s `Cache-Control`',
    });
    this.#origin = new URL(String(options.origin));
    if (this.#origin.protocol !== 'http:' && this.#origin.protocol !== 'https:') {
      throw new TypeError(`Expected \`origin\` to be an http: or https: URL, got ${this.#origin.href}`);
    }
    this.#client = this.#origin.protocol === 'https:' ? https : http;
    this.#clock = options.clock ?? systemClock;
    assertClock('clock', this.#clock, ['now', 'setTimeout', 'clearTimeout']);
    this.#epochOffset = Date.now() - this.#clock.now();
    this.store =
      options.store ??
      new HttpCacheStore({
        ...(options.maxSizeBytes !== undefined ? { maxSizeBytes: options.maxSizeBytes } : {}),
        ...(options.maxEntrySizeBytes !== undefined ? { maxEntrySizeBytes: options.maxEntrySizeBytes } : {}),
        clock: this.#clock,
      });
    this.#targeted = (options.targetedCacheControl ?? ['cdn-cache-control']).map((s) => String(s).toLowerCase());
    this.#surrogateHeader = (options.surrogateKeyHeader ?? 'surrogate-key').toLowerCase();
    this.#staleRetentionMs = options.staleRetentionMs ?? 300_000;
    assertNonNegativeFinite('staleRetentionMs', this.#staleRetentionMs);
    this.#coalesce = options.coalesce ?? true;
    this.#hitForPassMs = options.hitForPassMs ?? 10_000;
    assertNonNegativeFinite('hitForPassMs', this.#hitForPassMs);
    this.#originTimeoutMs = options.originTimeoutMs ?? 30_000;
    assertPositiveInteger('originTimeoutMs', this.#originTimeoutMs);
    this.#heuristicFraction = options.heuristicFraction ?? 0.1;
    assertNonNegativeFinite('heuristicFraction', this.#heuristicFraction);
    this.#agent = new this.#client.Agent({ keepAlive: true, maxSockets: 1024 });
    this.#pass = new Cache<string, true>({ max: 10_000, ttl: this.#hitForPassMs, clock: this.#clock });
    this.handler = (req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('Bad Gateway');
        } else res.destroy(error as Error);
      });
    };
  }

  /** Requests sent to the origin since construction (background revalidations included). */
  get originRequests(): number {
    return this.#originRequests;
  }

  /** Removes the stored responses for `path` (path and query, e.g. `'/products/1?x=2'`); `true` when one was stored. */
  purge(path: string): boolean {
    return this.store.delete(path);
  }

  /** Removes every stored response tagged with surrogate key `key`; returns how many URLs were purged. */
  purgeSurrogateKey(key: string): number {
    return this.store.purgeSurrogateKey(key);
  }

  /** Closes the origin connection pool. */
  close(): void {
    this.#agent.destroy();
  }

  #now(): number {
    return this.#clock.now() + this.#epochOffset;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const key = req.url ?? '/';
    if (method !== 'GET' && method !== 'HEAD') return this.#passThrough(req, res, method, key);
    const reqCC = parseCacheControl(req.headers['cache-control']);
    for (let attempt = 0; ; attempt++) {
      const entry = this.store.lookup(key, req.headers);
      if (entry !== undefined) {
        const decision = serveDecision(entry, reqCC, this.#now());
        if (decision === 'fresh') return this.#serve(req, res, entry, 'HIT');
        if (decision === 'stale') return this.#serve(req, res, entry, 'STALE');
        if (decision === 'stale-while-revalidate') {
          this.#serve(req, res, entry, 'STALE');
          this.#revalidateInBackground(key, req.headers, entry);
          return;
        }
      } else if (reqCC.onlyIfCached) {
        res.writeHead(504, { 'content-type': 'text/plain', 'x-cache': 'MISS' });
        res.end('Gateway Timeout');
        return;
      }
      const flight = this.#coalesce && attempt === 0 && !this.#pass.has(key) ? this.#flights.get(key) : undefined;
      if (flight === undefined) return this.#fetch(req, res, method, key, reqCC, entry);
      await flight.settled;
    }
  }

  #serve(req: IncomingMessage, res: ServerResponse, entry: CachedResponse, status: CacheStatus): void {
    const headers: HeaderMap = { ...entry.headers };
    headers.age = String(Math.floor((entry.initialAgeMs + Math.max(0, this.#now() - entry.responseTime)) / 1000));
    headers['x-cache'] = status;
    if (entry.status === 200 && clientValidatorMatches(req.headers, entry.headers)) {
      delete headers['content-length'];
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-length'] = String(entry.body.length);
    res.writeHead(entry.status, headers);
    res.end(req.method === 'HEAD' ? undefined : entry.body);
  }

  #forwardHeaders(headers: HeaderMap): HeaderMap {
    const out = stripHeaders(headers, fieldsToStrip(parseCacheControl(undefined), headers));
    out.host = this.#origin.host;
    return out;
  }

  #request(method: string, key: string, headers: HeaderMap, body?: IncomingMessage): Promise<OriginResult> {
    this.#originRequests++;
    const requestTime = this.#now();
    return new Promise((resolve, reject) => {
      const request = this.#client.request(
        new URL(key, this.#origin),
        { method, headers: headers as http.OutgoingHttpHeaders, agent: this.#agent },
        (response) => {
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers,
            body: response,
            requestTime,
            responseTime: this.#now(),
          });
        },
      );
      request.setTimeout(this.#originTimeoutMs, () => request.destroy(new Error('origin timeout')));
      request.on('error', reject);
      if (body !== undefined) body.pipe(request);
      else request.end();
    });
  }

  async #passThrough(req: IncomingMessage, res: ServerResponse, method: string, key: string): Promise<void> {
    let result: OriginResult;
    try {
      result = await this.#request(method, key, this.#forwardHeaders(req.headers), req);
    } catch {
      res.writeHead(502, { 'content-type': 'text/plain', 'x-cache': 'PASS' });
      res.end('Bad Gateway');
      return;
    }
    if (isUnsafeMethod(method)) {
      const target = new URL(key, `http://${req.headers.host ?? this.#origin.host}`);
      for (const url of invalidationTargets(target, result.status, result.headers)) {
        this.store.delete(url.pathname + url.search);
      }
    }
    this.#pipe(res, result, 'PASS');
  }

  #pipe(res: ServerResponse, result: OriginResult, status: CacheStatus): void {
    const headers = stripHeaders(result.headers, new Set([...HOP_BY_HOP, this.#surrogateHeader]));
    headers['x-cache'] = status;
    res.writeHead(result.status, headers);
    result.body.pipe(res);
  }

  #flight(key: string, method: string): Flight | undefined {
    if (!this.#coalesce || method !== 'GET' || this.#flights.has(key)) return undefined;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const flight: Flight = {
      settled,
      settle: () => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        settle();
      },
    };
    this.#flights.set(key, flight);
    return flight;
  }

  /** Fetches from the origin (conditionally when `stale` has a validator), answers `res`, stores what it may. */
  async #fetch(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    method: string,
    key: string,
    reqCC: CacheControl,
    stale: CachedResponse | undefined,
  ): Promise<void> {
    const flight = this.#flight(key, method);
    try {
      const headers = this.#forwardHeaders(req.headers);
      // The client's own validators are answered from the stored response, never forwarded: the cache
      // needs a full response to store (or a 304 for its own validators).
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      const conditional = stale !== undefined && hasValidator(stale.headers);
      if (conditional) Object.assign(headers, conditionalHeaders(stale.headers));
      let result: OriginResult;
      try {
        result = await this.#request(method, key, headers);
      } catch {
        this.#originFailed(req, res, stale, reqCC);
        return;
      }
      if (result.status >= 500 && stale !== undefined && staleIfErrorAllows(stale, reqCC, this.#now())) {
        result.body.resume();
        if (res !== undefined) this.#serve(req, res, stale, 'STALE-IF-ERROR');
        return;
      }
      if (result.status === 304 && conditional && stale !== undefined) {
        // We sent only this response's validators, so the 304 is about it (its ETag is kept: see mergeNotModified).
        result.body.resume();
        const merged = mergeNotModified(stale.headers, result.headers);
        const entry = this.#entry(req.headers, stale.status, merged, stale.body, result, stale.surrogateKeys);
        if (entry !== undefined) this.#store(key, entry);
        if (res !== undefined) this.#serve(req, res, entry ?? { ...stale, headers: merged }, 'REVALIDATED');
        return;
      }
      const { cacheControl, targeted } = selectCacheControl(result.headers, this.#targeted);
      const notStorable = storability({
        method,
        requestHeaders: req.headers,
        requestCacheControl: reqCC,
        status: result.status,
        responseHeaders: result.headers,
        cacheControl,
        targeted,
      });
      if (notStorable !== undefined) {
        // Hit-for-miss only when the response itself is uncacheable, not this request.
        if (method === 'GET' && this.#hitForPassMs > 0 && !REQUEST_REASONS.has(notStorable)) this.#pass.set(key, true);
        if (stale !== undefined && result.status < 400) this.store.delete(key);
        flight?.settle(); // release the waiting requests at once: they fetch on their own
        if (res !== undefined) this.#pipe(res, result, 'MISS');
        else result.body.resume();
        return;
      }
      await this.#streamAndStore(req, res, key, result, cacheControl);
    } finally {
      flight?.settle();
    }
  }

  #originFailed(req: IncomingMessage, res: ServerResponse | undefined, stale: CachedResponse | undefined, reqCC: CacheControl): void {
    if (res === undefined) return;
    if (stale !== undefined && staleIfErrorAllows(stale, reqCC, this.#now())) {
      this.#serve(req, res, stale, 'STALE-IF-ERROR');
      return;
    }
    res.writeHead(502, { 'content-type': 'text/plain', 'x-cache': 'MISS' });
    res.end('Bad Gateway');
  }

  /** Streams the origin body to `res` while buffering it (up to the entry cap), then stores it. */
  #streamAndStore(
    req: IncomingMessage,
    res: ServerResponse | undefined,
    key: string,
    result: OriginResult,
    cacheControl: CacheControl,
  ): Promise<void> {
    const strip = fieldsToStrip(cacheControl, result.headers);
    const storedHeaders = stripHeaders(result.headers, strip);
    if (res !== undefined) {
      const out = stripHeaders(result.headers, new Set([...HOP_BY_HOP, this.#surrogateHeader]));
      out['x-cache'] = 'MISS';
      res.writeHead(result.status, out);
    }
    const cap = this.store.maxEntrySizeBytes;
    const chunks: Buffer[] = [];
    let bytes = 0;
    return new Promise<void>((resolve) => {
      result.body.on('data', (chunk: Buffer) => {
        if (bytes <= cap) {
          bytes += chunk.length;
          if (bytes <= cap) chunks.push(chunk);
          else chunks.length = 0; // over the cap: stop keeping a copy
        }
        res?.write(chunk);
      });
      let ended = false;
      result.body.on('end', () => {
        ended = true;
        res?.end();
        if (bytes <= cap) {
          const raw = storedHeaders[this.#surrogateHeader];
          const tags =
            raw === undefined
              ? []
              : String(raw)
                  .split(/[\s,]+/)
                  .filter((t) => t !== '');
          delete storedHeaders[this.#surrogateHeader];
          const entry = this.#entry(req.headers, result.status, storedHeaders, Buffer.concat(chunks, bytes), result, tags);
          if (entry !== undefined) this.#store(key, entry);
        }
        resolve();
      });
      result.body.on('error', (error) => {
        res?.destroy(error);
        resolve();
      });
      // A body cut short (origin reset, timeout) may close without 'error': never store it, never hang waiters.
      result.body.on('close', () => {
        if (ended) return;
        res?.destroy();
        resolve();
      });
    });
  }

  #entry(
    requestHeaders: HeaderMap,
    status: number,
    headers: HeaderMap,
    body: Buffer,
    timing: { requestTime: number; responseTime: number },
    surrogateKeys: string[],
  ): CachedResponse | undefined {
    const vary = parseVary(headers);
    if (vary === '*') return undefined;
    const { cacheControl, targeted } = selectCacheControl(headers, this.#targeted);
    return {
      status,
      headers,
      body,
      varyNames: vary,
      varyValues: varyValues(vary, requestHeaders),
      surrogateKeys,
      cacheControl,
      initialAgeMs: initialAge(headers, timing.requestTime, timing.responseTime),
      responseTime: timing.responseTime,
      freshnessMs: freshnessLifetime(status, headers, cacheControl, timing.responseTime, {
        targeted,
        heuristicFraction: this.#heuristicFraction,
      }),
    };
  }

  #store(key: string, entry: CachedResponse): void {
    const cc = entry.cacheControl;
    const freshLeft = entry.freshnessMs - entry.initialAgeMs;
    const staleWindow = Math.max(
      (cc.staleWhileRevalidate ?? 0) * 1000,
      (cc.staleIfError ?? 0) * 1000,
      hasValidator(entry.headers) ? this.#staleRetentionMs : 0,
    );
    const ttl = freshLeft + staleWindow;
    if (ttl <= 0) return;
    this.#pass.delete(key);
    this.store.put(key, entry, Math.ceil(ttl));
  }

  #revalidateInBackground(key: string, requestHeaders: HeaderMap, stale: CachedResponse): void {
    if (this.#revalidating.has(key)) return;
    this.#revalidating.add(key);
    const fakeReq = { headers: requestHeaders, method: 'GET' } as IncomingMessage;
    this.#fetch(fakeReq, undefined, 'GET', key, parseCacheControl(undefined), stale)
      .catch(() => undefined)
      .finally(() => this.#revalidating.delete(key));
  }
}

/** Whether the client's own `If-None-Match`/`If-Modified-Since` match the stored response (RFC 9110 §13.2.2). */
function clientValidatorMatches(requestHeaders: HeaderMap, stored: HeaderMap): boolean {
  const inm = requestHeaders['if-none-match'];
  if (inm !== undefined) {
    const etag = stored.etag;
    if (typeof etag !== 'string') return false;
    const weak = (t: string): string => (t.startsWith('W/') ? t.slice(2) : t);
    return String(inm)
      .split(',')
      .some((t) => t.trim() === '*' || weak(t.trim()) === weak(etag));
  }
  const ims = requestHeaders['if-modified-since'];
  const lm = stored['last-modified'];
  if (typeof ims === 'string' && typeof lm === 'string') {
    const a = Date.parse(ims);
    const b = Date.parse(lm);
    return Number.isFinite(a) && Number.isFinite(b) && b <= a;
  }
  return false;
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
