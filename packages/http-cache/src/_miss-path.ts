// The miss path: a request the store cannot answer at once. The shared tier, request coalescing (waiting
// on another request's origin fetch of the same key, hit-for-miss), the origin fetch — conditional when a
// stale response has a validator — streamed to the client while its body is stored, stale-if-error, and
// background revalidation.
import { Cache } from '@scaling/cache';
import type { Emitter } from '@scaling/core/internal';
import type { EngineConfig } from './_engine-config.js';
import type { EngineCounters } from './_engine-counters.js';
import type { OriginExchange } from './_origin-exchange.js';
import type { TierLink } from './_tier-link.js';
import { type CacheControl, parseCacheControl, selectCacheControl } from './cache-control.js';
import type { CachedResponse } from './cached-response.js';
import { Flights } from './coalescing.js';
import type { HandleOptions, HttpCacheEvents } from './engine-options.js';
import { currentAge } from './freshness.js';
import type { HeaderMap } from './headers.js';
import type { HttpCacheStore } from './http-cache-store.js';
import { type CacheStatus, serveStored } from './serve.js';
import { serveDecision, staleIfErrorAllows } from './serve-decision.js';
import type { CacheRequest, OriginFetch, OriginResponse, ResponseSink } from './sink.js';
import { fieldsToStrip, storability, stripHeaders } from './storability.js';
import { storedEntry, storeTtl } from './stored-entry.js';
import { streamAndCollect } from './stream-store.js';
import { conditionalHeaders, hasValidator, mergeNotModified } from './validation.js';

/** Storability verdicts caused by the request rather than the response. */
const REQUEST_REASONS: ReadonlySet<string> = new Set(['authorization', 'request no-store', 'method']);

/** What the miss path uses of the engine: its clock and the fields it forwards to the origin. */
export interface MissPathHost {
  /** Now in ms since the epoch, on the engine's clock. */
  now(): number;
  /** The client's fields minus hop-by-hop ones. */
  forwardHeaders(headers: HeaderMap): HeaderMap;
}

/**
 * Answers the requests of one engine that the store cannot answer fresh (RFC 9111 §4): looks in the shared
 * tier, waits on a fetch of the same key already in flight (Varnish's request coalescing; hit-for-miss for
 * `hitForPassMs` once a key answered uncacheable), else fetches from the origin — conditionally when the
 * stale response has a validator (§4.3.1), merging a 304 into it (§4.3.4) — streams the response to the
 * client and stores what it may (§3), answering stale within `stale-if-error` when the origin fails
 * (RFC 5861 §4). Also runs background revalidations (stale-while-revalidate, RFC 5861 §3).
 */
export class MissPath {
  /** The store holding the cached responses (the engine's). */
  readonly store: HttpCacheStore;
  readonly #host: MissPathHost;
  readonly #exchange: OriginExchange;
  readonly #targeted: readonly string[];
  readonly #surrogateHeader: string;
  readonly #statusHeader: string | undefined;
  readonly #staleRetentionMs: number;
  readonly #coalesce: boolean;
  readonly #hitForPassMs: number;
  readonly #heuristicFraction: number;
  readonly #shared: boolean;
  readonly #tier: TierLink | undefined;
  readonly #flights = new Flights();
  readonly #revalidating = new Set<string>();
  readonly #pass: Cache<string, true>;
  readonly #events: Emitter<HttpCacheEvents>;
  readonly #responseStrip: ReadonlySet<string>;
  readonly #c: EngineCounters;

  /**
   * @param o the engine's checked options. @param counters the engine's counters (counted in place).
   * @param responseStrip the fields never sent to the client (hop-by-hop, the surrogate-key field).
   */
  constructor(
    host: MissPathHost,
    o: EngineConfig,
    counters: EngineCounters,
    events: Emitter<HttpCacheEvents>,
    tier: TierLink | undefined,
    exchange: OriginExchange,
    responseStrip: ReadonlySet<string>,
  ) {
    this.#host = host;
    this.store = o.store;
    this.#c = counters;
    this.#events = events;
    this.#tier = tier;
    this.#exchange = exchange;
    this.#responseStrip = responseStrip;
    this.#targeted = o.targeted;
    this.#surrogateHeader = o.surrogateHeader;
    this.#statusHeader = o.statusHeader;
    this.#staleRetentionMs = o.staleRetentionMs;
    this.#coalesce = o.coalesce;
    this.#hitForPassMs = o.hitForPassMs;
    this.#shared = o.shared;
    this.#heuristicFraction = o.heuristicFraction;
    this.#pass = new Cache<string, true>({ max: 10_000, ttl: Math.max(1, this.#hitForPassMs), clock: o.clock });
  }

  /** Answers `req`, whose stored response (`first`, if any) may not be served as it is. */
  async miss(
    req: CacheRequest,
    sink: ResponseSink,
    fetch: OriginFetch,
    reqCC: CacheControl,
    first: CachedResponse | undefined,
    options: HandleOptions | undefined,
  ): Promise<void> {
    let entry = first;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || (this.#tier !== undefined && (await this.#tier.load(req.key, () => this.#host.now(), this.#staleRetentionMs)))) {
        entry = this.store.lookup(req.key, req.headers);
        if (entry !== undefined) {
          const now = this.#host.now();
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
        this.#exchange.error(sink, 504, 'Gateway Timeout');
        return;
      }
      const canWait = this.#coalesce && attempt === 0 && req.headers.range === undefined && !this.#pass.has(req.key);
      const flight = canWait ? this.#flights.get(req.key) : undefined;
      if (flight === undefined) return this.#fetch(req, sink, fetch, reqCC, entry, false, options?.generateErrors !== false);
      this.#c.coalesced++;
      await flight.settled;
    }
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
      const headers = this.#host.forwardHeaders(req.headers);
      // The client's own validators are answered from the stored response, never forwarded: the cache
      // needs a full response to store (or a 304 for its own validators).
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      const conditional = stale !== undefined && hasValidator(stale.headers);
      if (conditional) Object.assign(headers, conditionalHeaders(stale.headers));
      const requestTime = this.#host.now();
      let result: OriginResponse;
      try {
        result = await this.#exchange.origin(req, fetch, headers, conditional, background);
      } catch (error) {
        if (sink === undefined) return;
        if (stale !== undefined && staleIfErrorAllows(stale, reqCC, this.#host.now())) {
          this.#c.staleIfError++;
          this.#serve(req, sink, stale, 'STALE-IF-ERROR');
          return;
        }
        this.#c.errors++;
        if (!generateErrors) sink.destroy(error as Error);
        else this.#exchange.error(sink, 502, 'Bad Gateway');
        return;
      }
      const timing = { requestTime, responseTime: this.#host.now() };
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
        if (sink !== undefined) this.#exchange.pipe(sink, result, 'MISS');
        else result.body.resume();
        return;
      }
      const storedHeaders = stripHeaders(result.headers, fieldsToStrip(cacheControl, result.headers));
      if (sink !== undefined) {
        const out = stripHeaders(result.headers, this.#responseStrip);
        if (this.#statusHeader !== undefined) out[this.#statusHeader] = 'MISS';
        sink.writeHead(result.status, out);
      }
      const cap = this.store.maxEntrySizeBytes;
      // A body over the cap is never stored: the waiting requests are released to fetch on their own as
      // soon as that is known — at the head for a declared Content-Length, else when the body passes the cap.
      if (flight !== undefined && Number(result.headers['content-length']) > cap) flight.settle();
      const body = await streamAndCollect(result.body, sink, cap, flight?.settle);
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
    const age = currentAge(entry.initialAgeMs, entry.responseTime, this.#host.now());
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

  /** Refreshes `stale` from the origin after it was served (one revalidation per key at a time). */
  revalidateInBackground(req: CacheRequest, stale: CachedResponse, fetch: OriginFetch): void {
    if (this.#revalidating.has(req.key)) return;
    this.#revalidating.add(req.key);
    this.#c.backgroundRevalidations++;
    const bg: CacheRequest = { method: 'GET', key: req.key, headers: req.headers };
    this.#fetch(bg, undefined, fetch, parseCacheControl(undefined), stale, true)
      .catch(() => undefined)
      .finally(() => this.#revalidating.delete(req.key));
  }
}
