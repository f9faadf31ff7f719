import { tracingChannel } from 'node:diagnostics_channel';
import { Cache } from '@scaling/cache';
import { type Clock, Histogram } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import { resolveEngineOptions } from './_engine-config.js';
import { TierLink } from './_tier-link.js';
import { type CacheControl, parseCacheControl, selectCacheControl } from './cache-control.js';
import type { CachedResponse } from './cached-response.js';
import { Flights } from './coalescing.js';
import type { HandleOptions, HttpCacheEvents, HttpCacheOptions, HttpCacheStats, OriginFetchContext } from './engine-options.js';
import { currentAge } from './freshness.js';
import type { HeaderMap } from './headers.js';
import type { HttpCacheStore } from './http-cache-store.js';
import { invalidatedKeys, isUnsafeMethod } from './invalidation.js';
import { type CacheStatus, serveStored } from './serve.js';
import { serveDecision, staleIfErrorAllows } from './serve-decision.js';
import type { CacheRequest, OriginFetch, OriginResponse, ResponseSink } from './sink.js';
import { fieldsToStrip, HOP_BY_HOP, storability, stripHeaders } from './storability.js';
import { storedEntry, storeTtl } from './stored-entry.js';
import { streamAndCollect } from './stream-store.js';
import { conditionalHeaders, hasValidator, mergeNotModified } from './validation.js';

const EVENTS = ['store', 'purge', 'evict'] as const;

/** Storability verdicts caused by the request rather than the response. */
const REQUEST_REASONS: ReadonlySet<string> = new Set(['authorization', 'request no-store', 'method']);

/** The directives of a request without `Cache-Control` (shared, never mutated). */
const NO_DIRECTIVES: CacheControl = Object.freeze(parseCacheControl(undefined));

const fetchChannel = tracingChannel<unknown, OriginFetchContext>('scaling:http-cache:fetch');

/**
 * The HTTP cache engine under every entry point (reverse proxy, Express, Fastify, undici): an RFC 9111
 * shared cache — freshness from `Cache-Control`/`Expires`/heuristics, RFC 9213 targeted fields, `Vary`,
 * validation with 304 header merging, invalidation on unsafe methods, RFC 5861 stale-while-revalidate and
 * stale-if-error — with request coalescing, hit-for-miss, purge by URL or surrogate key, `stats()`,
 * events and a tracing channel around origin fetches. Entry points hand it a {@link CacheRequest}, a
 * {@link ResponseSink} and an {@link OriginFetch}.
 *
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 * @example
 * ```ts
 * const engine = new HttpCacheEngine({ maxSizeBytes: 16 * 1024 * 1024 });
 * console.log(engine.stats().requests); // 0
 * ```
 */
export class HttpCacheEngine {
  /** The store holding the cached responses. */
  readonly store: HttpCacheStore;
  readonly #targeted: readonly string[];
  readonly #surrogateHeader: string;
  readonly #statusHeader: string | undefined;
  readonly #staleRetentionMs: number;
  readonly #coalesce: boolean;
  readonly #hitForPassMs: number;
  readonly #heuristicFraction: number;
  readonly #shared: boolean;
  readonly #tier: TierLink | undefined;
  readonly #clock: Clock;
  readonly #epochOffset: number;
  readonly #flights = new Flights();
  readonly #revalidating = new Set<string>();
  readonly #pass: Cache<string, true>;
  readonly #events: Emitter<HttpCacheEvents>;
  readonly #duration = new Histogram();
  readonly #responseStrip: ReadonlySet<string>;
  readonly #c = {
    requests: 0,
    hits: 0,
    stale: 0,
    staleIfError: 0,
    misses: 0,
    revalidated: 0,
    passes: 0,
    errors: 0,
    coalesced: 0,
    uncacheable: 0,
    revalidations: 0,
    backgroundRevalidations: 0,
    originRequests: 0,
    originErrors: 0,
    stores: 0,
    purges: 0,
    evictions: 0,
    tierHits: 0,
    tierErrors: 0,
    inflight: 0,
  };

  constructor(options: HttpCacheOptions = {}, name = 'HttpCacheEngine', extraKeys: readonly string[] = []) {
    const o = resolveEngineOptions(options, name, extraKeys);
    this.#clock = o.clock;
    this.#epochOffset = Date.now() - this.#clock.now();
    this.store = o.store;
    this.#events = new Emitter<HttpCacheEvents>('http-cache', EVENTS, this);
    this.store.onEvict((key, reason) => {
      this.#c.evictions++;
      if (this.#events.wants('evict')) this.#events.emit('evict', { key, reason });
    });
    this.#targeted = o.targeted;
    this.#surrogateHeader = o.surrogateHeader;
    this.#statusHeader = o.statusHeader;
    this.#staleRetentionMs = o.staleRetentionMs;
    this.#coalesce = o.coalesce;
    this.#hitForPassMs = o.hitForPassMs;
    this.#shared = o.shared;
    this.#heuristicFraction = o.heuristicFraction;
    this.#pass = new Cache<string, true>({ max: 10_000, ttl: Math.max(1, this.#hitForPassMs), clock: this.#clock });
    this.#responseStrip = new Set([...HOP_BY_HOP, this.#surrogateHeader]);
    this.#tier =
      options.tier === undefined
        ? undefined
        : new TierLink(options.tier, this.store, () => {
            this.#c.tierErrors++;
          });
  }

  /**
   * Subscribes to an event (see {@link HttpCacheEvents}); returns the unsubscribe function.
   * @throws {TypeError} on an unknown event name.
   */
  on<K extends keyof HttpCacheEvents>(event: K, listener: (payload: HttpCacheEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends keyof HttpCacheEvents>(event: K, listener: (payload: HttpCacheEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /** A snapshot of the counters, gauges and the origin `requestDuration` histogram (see {@link HttpCacheStats}). */
  stats(): HttpCacheStats {
    return { ...this.#c, size: this.store.sizeBytes, keys: this.store.keys, requestDuration: this.#duration.clone() };
  }

  /** Requests sent to the origin since construction (background revalidations included). */
  get originRequests(): number {
    return this.#c.originRequests;
  }

  /** Removes the stored responses for `key` (e.g. `'/products/1?x=2'`); `true` when one was stored. */
  purge(key: string): boolean {
    if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to be a string, got ${typeof key}`);
    const removed = this.store.delete(key);
    if (removed) this.#purged({ key, reason: 'purge', count: 1 });
    this.#tier?.delete(key);
    return removed;
  }

  /** Removes every stored response tagged with surrogate key `tag`; returns how many URLs were purged. */
  purgeSurrogateKey(tag: string): number {
    if (typeof tag !== 'string') throw new TypeError(`Expected \`tag\` to be a string, got ${typeof tag}`);
    const count = this.store.purgeSurrogateKey(tag);
    if (count > 0) this.#purged({ surrogateKey: tag, reason: 'surrogate-key', count });
    this.#tier?.deleteByTag(tag);
    return count;
  }

  #purged(payload: HttpCacheEvents['purge']): void {
    this.#c.purges += payload.count;
    if (this.#events.wants('purge')) this.#events.emit('purge', payload);
  }

  /** Now in ms since the epoch, on the engine's clock. */
  now(): number {
    return this.#clock.now() + this.#epochOffset;
  }

  /**
   * Answers `req` on `sink`: from the store when it may, else through `fetch` (storing what it may).
   * Resolves when the response was handed to `sink` (a streamed body may still be flowing). Never rejects
   * for origin failures (they become a stale answer or a 502).
   */
  handle(req: CacheRequest, sink: ResponseSink, fetch: OriginFetch, options?: HandleOptions): Promise<void> | undefined {
    this.#c.requests++;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return this.#passThrough(req, sink, fetch, options);
    const raw = req.headers['cache-control'];
    const reqCC = raw === undefined ? NO_DIRECTIVES : parseCacheControl(raw);
    // The hit path, synchronous: no promise, no allocation beyond the response headers.
    const entry = this.store.lookup(req.key, req.headers);
    if (entry !== undefined) {
      const now = this.now();
      const decision = serveDecision(entry, reqCC, now);
      if (decision === 'fresh') {
        this.#c.hits++;
        serveStored(method, req.headers, sink, entry, currentAge(entry.initialAgeMs, entry.responseTime, now), 'HIT', this.#statusHeader);
        return undefined;
      }
      if (decision === 'stale' || (decision === 'stale-while-revalidate' && options?.background !== false)) {
        this.#c.stale++;
        serveStored(method, req.headers, sink, entry, currentAge(entry.initialAgeMs, entry.responseTime, now), 'STALE', this.#statusHeader);
        if (decision === 'stale-while-revalidate') this.#revalidateInBackground(req, entry, fetch);
        return undefined;
      }
    }
    return this.#miss(req, sink, fetch, reqCC, entry, options);
  }

  async #miss(
    req: CacheRequest,
    sink: ResponseSink,
    fetch: OriginFetch,
    reqCC: CacheControl,
    first: CachedResponse | undefined,
    options: HandleOptions | undefined,
  ): Promise<void> {
    let entry = first;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || (this.#tier !== undefined && (await this.#tier.load(req.key, () => this.now(), this.#staleRetentionMs)))) {
        entry = this.store.lookup(req.key, req.headers);
        if (entry !== undefined) {
          const now = this.now();
          const decision = serveDecision(entry, reqCC, now);
          if (decision !== 'revalidate') {
            if (attempt === 0) this.#c.tierHits++;
            if (decision === 'fresh') this.#c.hits++;
            else this.#c.stale++;
            const age = currentAge(entry.initialAgeMs, entry.responseTime, now);
            serveStored(req.method, req.headers, sink, entry, age, decision === 'fresh' ? 'HIT' : 'STALE', this.#statusHeader);
            return;
          }
        }
      }
      if (entry === undefined && reqCC.onlyIfCached) {
        this.#c.errors++;
        this.#error(sink, 504, 'Gateway Timeout', 'MISS');
        return;
      }
      const canWait = this.#coalesce && attempt === 0 && req.headers.range === undefined && !this.#pass.has(req.key);
      const flight = canWait ? this.#flights.get(req.key) : undefined;
      if (flight === undefined) return this.#fetch(req, sink, fetch, reqCC, entry, false, options?.generateErrors !== false);
      this.#c.coalesced++;
      await flight.settled;
    }
  }

  #error(sink: ResponseSink, status: number, text: string, cacheStatus: CacheStatus): void {
    const headers: HeaderMap = { 'content-type': 'text/plain', 'content-length': String(text.length) };
    if (this.#statusHeader !== undefined) headers[this.#statusHeader] = cacheStatus;
    sink.writeHead(status, headers);
    sink.end(Buffer.from(text));
  }

  /** The client's fields minus hop-by-hop ones (and those `Connection` names). */
  forwardHeaders(headers: HeaderMap): HeaderMap {
    return stripHeaders(headers, fieldsToStrip(parseCacheControl(undefined), headers));
  }

  async #origin(
    req: CacheRequest,
    fetch: OriginFetch,
    headers: HeaderMap,
    conditional: boolean,
    background: boolean,
  ): Promise<OriginResponse> {
    this.#c.originRequests++;
    if (conditional) this.#c.revalidations++;
    this.#c.inflight++;
    const start = performance.now();
    try {
      if (!fetchChannel.hasSubscribers) return await fetch(headers);
      const context: OriginFetchContext = { key: req.key, method: req.method, conditional, background };
      return await fetchChannel.tracePromise(async () => {
        const response = await fetch(headers);
        context.status = response.status;
        return response;
      }, context);
    } catch (error) {
      this.#c.originErrors++;
      throw error;
    } finally {
      this.#c.inflight--;
      this.#duration.record(Math.max(performance.now() - start, 1e-3));
    }
  }

  async #passThrough(req: CacheRequest, sink: ResponseSink, fetch: OriginFetch, options: HandleOptions | undefined): Promise<void> {
    let result: OriginResponse;
    try {
      result = await this.#origin(req, fetch, this.forwardHeaders(req.headers), false, false);
    } catch (error) {
      this.#c.errors++;
      if (options?.generateErrors === false) sink.destroy(error as Error);
      else this.#error(sink, 502, 'Bad Gateway', 'PASS');
      return;
    }
    this.#c.passes++;
    if (isUnsafeMethod(req.method)) this.#invalidate(req, result);
    this.#pipe(sink, result, 'PASS');
  }

  /** RFC 9111 §4.4: a non-error response to an unsafe method invalidates the target and same-origin `Location`/`Content-Location`. */
  #invalidate(req: CacheRequest, result: OriginResponse): void {
    for (const key of invalidatedKeys(req.key, req.headers.host, result.status, result.headers)) {
      if (this.store.delete(key)) this.#purged({ key, reason: 'invalidation', count: 1 });
      this.#tier?.delete(key);
    }
  }

  #pipe(sink: ResponseSink, result: OriginResponse, status: CacheStatus): void {
    const headers = stripHeaders(result.headers, this.#responseStrip);
    if (this.#statusHeader !== undefined) headers[this.#statusHeader] = status;
    sink.writeHead(result.status, headers);
    void streamAndCollect(result.body, sink, -1);
  }

  /** Fetches from the origin (conditionally when `stale` has a validator), answers `sink`, stores what it may. */
  async #fetch(
    req: CacheRequest,
    sink: ResponseSink | undefined,
    fetch: OriginFetch,
    reqCC: CacheControl,
    stale: CachedResponse | undefined,
    background: boolean,
    generateErrors = true,
  ): Promise<void> {
    const { method, key } = req;
    const flight = this.#coalesce && method === 'GET' && req.headers.range === undefined ? this.#flights.open(key) : undefined;
    try {
      const headers = this.forwardHeaders(req.headers);
      // The client's own validators are answered from the stored response, never forwarded: the cache
      // needs a full response to store (or a 304 for its own validators).
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      const conditional = stale !== undefined && hasValidator(stale.headers);
      if (conditional) Object.assign(headers, conditionalHeaders(stale.headers));
      const requestTime = this.now();
      let result: OriginResponse;
      try {
        result = await this.#origin(req, fetch, headers, conditional, background);
      } catch (error) {
        if (sink === undefined) return;
        if (stale !== undefined && staleIfErrorAllows(stale, reqCC, this.now())) {
          this.#c.staleIfError++;
          this.#serve(req, sink, stale, 'STALE-IF-ERROR');
          return;
        }
        this.#c.errors++;
        if (!generateErrors) sink.destroy(error as Error);
        else this.#error(sink, 502, 'Bad Gateway', 'MISS');
        return;
      }
      const timing = { requestTime, responseTime: this.now() };
      if (result.status >= 500 && stale !== undefined && staleIfErrorAllows(stale, reqCC, timing.responseTime)) {
        result.body.resume();
        if (sink !== undefined) {
          this.#c.staleIfError++;
          this.#serve(req, sink, stale, 'STALE-IF-ERROR');
        }
        return;
      }
      if (result.status === 304 && conditional && stale !== undefined) {
        // We sent only this response's validators, so the 304 is about it (its ETag is kept: see mergeNotModified).
        result.body.resume();
        const merged = mergeNotModified(stale.headers, result.headers);
        const entry = this.#entry(req.headers, stale.status, merged, stale.body, timing, stale.surrogateKeys);
        if (entry !== undefined) this.#store(key, entry);
        if (sink !== undefined) {
          this.#c.revalidated++;
          this.#serve(req, sink, entry ?? { ...stale, headers: merged }, 'REVALIDATED');
        }
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
        shared: this.#shared,
      });
      if (sink !== undefined) this.#c.misses++;
      if (notStorable !== undefined) {
        if (method === 'GET') this.#c.uncacheable++;
        // Hit-for-miss only when the response itself is uncacheable, not this request.
        if (method === 'GET' && this.#hitForPassMs > 0 && !REQUEST_REASONS.has(notStorable) && req.headers.range === undefined) {
          this.#pass.set(key, true);
        }
        // The stored response was replaced by an uncacheable one: it must not be served again.
        if (stale !== undefined && result.status < 400) this.store.delete(key);
        flight?.settle(); // release the waiting requests at once: they fetch on their own
        if (sink !== undefined) this.#pipe(sink, result, 'MISS');
        else result.body.resume();
        return;
      }
      const storedHeaders = stripHeaders(result.headers, fieldsToStrip(cacheControl, result.headers));
      if (sink !== undefined) {
        const out = stripHeaders(result.headers, this.#responseStrip);
        if (this.#statusHeader !== undefined) out[this.#statusHeader] = 'MISS';
        sink.writeHead(result.status, out);
      }
      const body = await streamAndCollect(result.body, sink, this.store.maxEntrySizeBytes);
      if (body === undefined) {
        this.#c.uncacheable++;
        return;
      }
      const raw = storedHeaders[this.#surrogateHeader];
      delete storedHeaders[this.#surrogateHeader];
      const tags =
        raw === undefined
          ? []
          : String(raw)
              .split(/[\s,]+/)
              .filter((t) => t !== '');
      const entry = this.#entry(req.headers, result.status, storedHeaders, body, timing, tags);
      if (entry !== undefined) this.#store(key, entry);
    } finally {
      flight?.settle();
    }
  }

  #serve(req: CacheRequest, sink: ResponseSink, entry: CachedResponse, status: CacheStatus): void {
    const age = currentAge(entry.initialAgeMs, entry.responseTime, this.now());
    serveStored(req.method, req.headers, sink, entry, age, status, this.#statusHeader);
  }

  #entry(
    requestHeaders: HeaderMap,
    status: number,
    headers: HeaderMap,
    body: Buffer,
    timing: { requestTime: number; responseTime: number },
    surrogateKeys: string[],
  ): CachedResponse | undefined {
    return storedEntry(requestHeaders, status, headers, body, timing, surrogateKeys, {
      targeted: this.#targeted,
      shared: this.#shared,
      heuristicFraction: this.#heuristicFraction,
    });
  }

  #ttlOf(entry: CachedResponse, now: number): number {
    return storeTtl(entry, now, this.#staleRetentionMs);
  }

  #store(key: string, entry: CachedResponse): void {
    const ttl = this.#ttlOf(entry, entry.responseTime);
    if (ttl <= 0) return;
    this.#pass.delete(key);
    if (!this.store.put(key, entry, ttl)) {
      this.#c.uncacheable++;
      return;
    }
    this.#c.stores++;
    this.#tier?.set(key, ttl);
    if (this.#events.wants('store')) this.#events.emit('store', { key, status: entry.status, bytes: entry.body.length, ttlMs: ttl });
  }

  #revalidateInBackground(req: CacheRequest, stale: CachedResponse, fetch: OriginFetch): void {
    if (this.#revalidating.has(req.key)) return;
    this.#revalidating.add(req.key);
    this.#c.backgroundRevalidations++;
    const bg: CacheRequest = { method: 'GET', key: req.key, headers: req.headers };
    this.#fetch(bg, undefined, fetch, parseCacheControl(undefined), stale, true)
      .catch(() => undefined)
      .finally(() => this.#revalidating.delete(req.key));
  }
}
