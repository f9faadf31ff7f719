// The public engine: its state, events, stats and purges, the synchronous hit path, and the requests the
// cache only forwards (unsafe methods, with their invalidations). A miss goes to `_miss-path.ts`, origin
// requests and the responses the cache writes itself to `_origin-exchange.ts`.
import { type Clock, Histogram } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import { resolveEngineOptions } from './_engine-config.js';
import { newCounters } from './_engine-counters.js';
import { MissPath } from './_miss-path.js';
import { OriginExchange } from './_origin-exchange.js';
import { TierLink } from './_tier-link.js';
import { type CacheControl, parseCacheControl } from './cache-control.js';
import type { HandleOptions, HttpCacheEvents, HttpCacheOptions, HttpCacheStats } from './engine-options.js';
import { currentAge } from './freshness.js';
import type { HeaderMap } from './headers.js';
import type { HttpCacheStore } from './http-cache-store.js';
import { invalidatedKeys, isUnsafeMethod } from './invalidation.js';
import { serveStored } from './serve.js';
import { serveDecision } from './serve-decision.js';
import type { CacheRequest, OriginFetch, OriginResponse, ResponseSink } from './sink.js';
import { fieldsToStrip, HOP_BY_HOP, stripHeaders } from './storability.js';

const EVENTS = ['store', 'purge', 'evict'] as const;

/** The directives of a request without `Cache-Control` (shared, never mutated). */
const NO_DIRECTIVES: CacheControl = Object.freeze(parseCacheControl(undefined));

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
  readonly #statusHeader: string | undefined;
  readonly #tier: TierLink | undefined;
  readonly #clock: Clock;
  readonly #epochOffset: number;
  readonly #events: Emitter<HttpCacheEvents>;
  readonly #duration = new Histogram();
  readonly #c = newCounters();
  readonly #exchange: OriginExchange;
  readonly #missPath: MissPath;

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
    this.#statusHeader = o.statusHeader;
    const responseStrip: ReadonlySet<string> = new Set([...HOP_BY_HOP, o.surrogateHeader]);
    this.#tier =
      options.tier === undefined
        ? undefined
        : new TierLink(options.tier, this.store, () => {
            this.#c.tierErrors++;
          });
    this.#exchange = new OriginExchange(this.#c, this.#duration, this.#statusHeader, responseStrip);
    this.#missPath = new MissPath(this, o, this.#c, this.#events, this.#tier, this.#exchange, responseStrip);
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
        if (decision === 'stale-while-revalidate') this.#missPath.revalidateInBackground(req, entry, fetch);
        return undefined;
      }
    }
    return this.#missPath.miss(req, sink, fetch, reqCC, entry, options);
  }

  /** The client's fields minus hop-by-hop ones (and those `Connection` names). */
  forwardHeaders(headers: HeaderMap): HeaderMap {
    return stripHeaders(headers, fieldsToStrip(parseCacheControl(undefined), headers));
  }

  async #passThrough(req: CacheRequest, sink: ResponseSink, fetch: OriginFetch, options: HandleOptions | undefined): Promise<void> {
    let result: OriginResponse;
    try {
      result = await this.#exchange.origin(req, fetch, this.forwardHeaders(req.headers), false, false);
    } catch (error) {
      this.#c.errors++;
      if (options?.generateErrors === false) sink.destroy(error as Error);
      else this.#exchange.error(sink, 502, 'Bad Gateway');
      return;
    }
    this.#c.passes++;
    if (isUnsafeMethod(req.method)) this.#invalidate(req, result);
    this.#exchange.pipe(sink, result, 'PASS');
  }

  /** RFC 9111 §4.4: a non-error response to an unsafe method invalidates the target and same-origin `Location`/`Content-Location`. */
  #invalidate(req: CacheRequest, result: OriginResponse): void {
    for (const key of invalidatedKeys(req.key, req.headers.host, result.status, result.headers)) {
      if (this.store.delete(key)) this.#purged({ key, reason: 'invalidation', count: 1 });
      this.#tier?.delete(key);
    }
  }
}
