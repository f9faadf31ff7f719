// The balanced dispatcher: its options, its construction from the parts (balancer, endpoint health,
// discovery, one undici Pool per endpoint), the endpoint list kept in step across all of them, undici's
// `dispatch` entry point and shutdown. A request itself runs in `_exchange.ts`.
import { tracingChannel } from 'node:diagnostics_channel';
import { Histogram } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import type { OutlierDetectorOptions } from '@scaling/health';
import type { LoadBalancer } from '@scaling/load-balancer';
import type { RetryBudget } from '@scaling/resilience';
import { Dispatcher, type errors, Pool } from 'undici';
import { Discovery } from './_discovery.js';
import { hasHeader, isReplayable, normaliseEndpoints } from './_endpoints.js';
import { Exchange } from './_exchange.js';
import { toUserHandler } from './_handler.js';
import { EndpointHealth } from './_health.js';
import { dispatcherSettings, EVENTS, UNDICI_EVENTS } from './_options.js';
import type { Counters, HedgeSettings, Member, Shared } from './_shared.js';
import { snapshot } from './_stats.js';
import type {
  AttemptResult,
  BalancedDispatcherEvents,
  BalancedDispatcherStats,
  BalancedHealthCheckOptions,
  BalancedHedgeOptions,
  BalancedRequestTrace,
  DiscoveryAnswer,
  HttpEndpoint,
  HttpEndpointInput,
} from './types.js';

/** Retry settings of a {@link BalancedDispatcher}. */
export interface BalancedRetryOptions {
  /** Attempts per request, first one included (each on an endpoint not tried yet). Default 3. */
  maxAttempts?: number;
  /** Retry budget shared by all requests (`@scaling/resilience`); `false` for none. Default `concurrencyBudget()` (20 %, min 3). */
  budget?: RetryBudget | false;
  /** Methods retried without an idempotency key. Default GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2). */
  methods?: readonly string[];
  /** A request carrying this header is retried whatever its method; `false` disables. Default `'idempotency-key'`. */
  idempotencyKeyHeader?: string | false;
}

/** Options of {@link createBalancedDispatcher}. */
export interface BalancedDispatcherOptions {
  /**
   * The static endpoint list: origins or `{ origin, weight }` (weight > 0, default 1). Default `[]`. Give either
   * `endpoints` or `discover`, not both (a `TypeError`): discovery replaces the whole list.
   */
  endpoints?: readonly HttpEndpointInput[];
  /**
   * A discovery callback returning the current endpoint list (or `{ endpoints, ttlMs }`); called at
   * construction and every `discoverIntervalMs` (or after `ttlMs`, at least 1 s), its answer is applied with
   * {@link BalancedDispatcher.setEndpoints}. A rejection or an invalid answer keeps the last good list (see
   * {@link BalancedDispatcher.lastDiscoveryError}). Requests made before the first answer wait for it. Not
   * together with `endpoints` (a `TypeError`): to keep static origins, return them from the callback. See
   * {@link dnsDiscovery} for DNS.
   */
  discover?: () => DiscoveryAnswer | Promise<DiscoveryAnswer>;
  /** Period of `discover` calls, ms. Default 30 000. */
  discoverIntervalMs?: number;
  /** The balancer choosing an endpoint per attempt; pass an empty one (the dispatcher adds the endpoints). Default `new PeakEwma()`. */
  balancer?: LoadBalancer<HttpEndpoint>;
  /**
   * Outlier detection options (`@scaling/health`), or `false` to disable. Default `{}`. `target` and `endpoints`
   * are refused (a `TypeError`): the dispatcher sets them itself.
   */
  outlierDetection?: Omit<OutlierDetectorOptions, 'target' | 'endpoints'> | false;
  /** Whether an attempt counts as a failure (for the balancer, outlier detection and retries). Default: an error, or status ≥ 500. */
  isFailure?: (result: AttemptResult) => boolean;
  /** Retry settings, or `false` for a single attempt. Default `{}`. */
  retry?: BalancedRetryOptions | false;
  /** Per-attempt limit until the response headers arrive, ms; then the next endpoint is tried. Default: none. */
  attemptTimeoutMs?: number;
  /** Limit on the whole request (all attempts and the response body), ms. Default: none. */
  timeoutMs?: number;
  /** Header carrying the milliseconds left of `timeoutMs` to the upstream; `false` to not send it. Default `'x-request-timeout-ms'`. */
  deadlineHeader?: string | false;
  /**
   * Options passed to each endpoint's undici `Pool` (`connections`, `pipelining`, `connect` for TLS, …): a plain
   * object of undici 7 `Pool`/`Client` option names; an unknown name is a `TypeError` (with a hint for
   * undici's retired names such as `tls` or `keepAlive`), and a bad number (`connections`, `pipelining`, the
   * timeouts, `maxHeaderSize`, …) a `TypeError`/`RangeError` naming `pool.<name>`. `socketPath` and
   * `interceptors` are refused: every endpoint would share one socket, and undici 7 ignores `interceptors`
   * (compose around the dispatcher instead). So are `socketPath` and `path` inside a `connect` object. A
   * `connect` *function* is not inspected: it is called with each endpoint's origin (`hostname`, `port`,
   * `protocol`, `servername`), and connecting there, not to one fixed address or socket, is up to it.
   */
  pool?: Pool.Options;
  /**
   * Active health checks (`@scaling/health` `HealthMonitor`, one `httpProbe` of `path` per endpoint): an
   * endpoint failing `unhealthyThreshold` checks in a row leaves rotation until `healthyThreshold` pass.
   * Combined with outlier detection (`combineHealth`): an endpoint is picked only while both let it.
   * Default: off.
   */
  healthCheck?: BalancedHealthCheckOptions | false;
  /**
   * Hedging (Dean & Barroso, "The Tail at Scale"): when no response headers arrived after `delay`, send
   * the same request to another endpoint; the first response wins and the others are aborted. Only for
   * requests that may be retried (idempotent or with an idempotency key, replayable body). Default: off.
   */
  hedge?: BalancedHedgeOptions | false;
}

const requestTrace = tracingChannel<unknown, BalancedRequestTrace & object>('scaling:http-client:request');

/**
 * An undici `Dispatcher` that spreads requests over several origins: one undici `Pool` per endpoint, a
 * `@scaling/load-balancer` balancer (Peak EWMA by default) choosing the endpoint of each attempt, passive
 * health through a `@scaling/health` `OutlierDetector`, optional active health checks (`HealthMonitor` +
 * `httpProbe`, combined with outlier detection by `combineHealth`), retries on endpoints not tried yet under
 * a `@scaling/resilience` retry budget, optional hedging, per-attempt and total timeouts, and the remaining
 * time sent upstream.
 *
 * Leases are released with the latency measured up to the end of the response **body** (or its error).
 * Retries happen only before the response is handed to the caller (connect error, reset, attempt timeout,
 * failure status), for idempotent methods or requests with an idempotency key, and only when the body is
 * replayable (absent, string or bytes — never a stream). A body error after the headers reaches the caller.
 *
 * Events (`on(event, listener)` returns an unsubscribe function; also on `node:diagnostics_channel` as
 * `scaling:http-client:<event>`): see {@link BalancedDispatcherEvents}. Each request is traced on the
 * tracing channel `scaling:http-client:request` (context {@link BalancedRequestTrace}) while anyone subscribes.
 *
 * The request's own origin is ignored: `fetch('http://orders/items', { dispatcher })` goes to a chosen
 * endpoint with path `/items`.
 */
export class BalancedDispatcher extends Dispatcher {
  readonly #s: Shared;
  readonly #balancer: LoadBalancer<HttpEndpoint>;
  readonly #health: EndpointHealth;
  readonly #members = new Map<string, Member>();
  readonly #counters: Counters = {
    requests: 0,
    completed: 0,
    failed: 0,
    aborted: 0,
    active: 0,
    attempts: 0,
    retries: 0,
    hedges: 0,
    hedgeWins: 0,
    budgetExhausted: 0,
    discoveryErrors: 0,
  };
  readonly #events: Emitter<BalancedDispatcherEvents> = new Emitter<BalancedDispatcherEvents>('http-client', EVENTS, this);
  readonly #poolOptions: Pool.Options | undefined;
  readonly #maxAttempts: number;
  readonly #hedge: HedgeSettings | undefined;
  readonly #methods: ReadonlySet<string>;
  readonly #keyHeader: string | undefined;
  readonly #discovery: Discovery | undefined;
  #closed = false;

  /**
   * @throws {TypeError}/{@link RangeError} on a bad or unknown option (also inside `retry`, `healthCheck`,
   *   `hedge`, `pool`, `outlierDetection`), both `endpoints` and `discover`, a malformed or duplicate origin, a
   *   weight ≤ 0.
   */
  constructor(options: BalancedDispatcherOptions) {
    super();
    const o = dispatcherSettings(options);
    this.#hedge = o.hedge;
    this.#balancer = o.balancer;
    this.#health = new EndpointHealth(o.balancer, o.outlierDetection, o.healthCheck, this.#members, this.#events);
    this.#poolOptions = options.pool;
    this.#maxAttempts = o.maxAttempts;
    this.#methods = o.methods;
    this.#keyHeader = o.keyHeader;
    this.#s = {
      balancer: o.balancer,
      detector: this.#health.detector,
      members: this.#members,
      isFailure: o.isFailure,
      maxAttempts: o.maxAttempts,
      budget: o.budget,
      hedge: o.hedge,
      attemptTimeoutMs: options.attemptTimeoutMs,
      timeoutMs: options.timeoutMs,
      deadlineHeader: o.deadlineHeader,
      counters: this.#counters,
      duration: new Histogram(),
      events: this.#events,
      trace: requestTrace,
    };
    this.#apply(o.endpoints);
    this.#health.start();
    if (options.discover !== undefined) {
      this.#discovery = new Discovery(options.discover, o.interval, (list) => this.setEndpoints(list), this.#counters, this.#events);
      this.#discovery.start();
    }
  }

  /**
   * Subscribes to an event (see {@link BalancedDispatcherEvents}); returns the unsubscribe function.
   * undici's own `Dispatcher` events (`connect`, `disconnect`, `connectionError`, `drain`) keep their
   * `EventEmitter` behaviour (this dispatcher itself does not emit them).
   * @throws {TypeError} on an unknown event or a listener that is not a function.
   */
  override on<K extends keyof BalancedDispatcherEvents>(event: K, listener: (payload: BalancedDispatcherEvents[K]) => void): () => void;
  override on(eventName: 'connect', callback: (origin: URL, targets: readonly Dispatcher[]) => void): this;
  override on(eventName: 'disconnect', callback: (origin: URL, targets: readonly Dispatcher[], error: UndiciError) => void): this;
  override on(eventName: 'connectionError', callback: (origin: URL, targets: readonly Dispatcher[], error: UndiciError) => void): this;
  override on(eventName: 'drain', callback: (origin: URL) => void): this;
  override on(event: string, listener: (...args: never[]) => void): (() => void) | this {
    if (UNDICI_EVENTS.has(event)) return super.on(event as 'drain', listener as never);
    return this.#events.on(event as keyof BalancedDispatcherEvents, listener as never);
  }

  /** Removes a listener added with {@link BalancedDispatcher.on} (no-op when absent). */
  override off<K extends keyof BalancedDispatcherEvents>(event: K, listener: (payload: BalancedDispatcherEvents[K]) => void): this;
  override off(eventName: 'connect', callback: (origin: URL, targets: readonly Dispatcher[]) => void): this;
  override off(eventName: 'disconnect', callback: (origin: URL, targets: readonly Dispatcher[], error: UndiciError) => void): this;
  override off(eventName: 'connectionError', callback: (origin: URL, targets: readonly Dispatcher[], error: UndiciError) => void): this;
  override off(eventName: 'drain', callback: (origin: URL) => void): this;
  override off(event: string, listener: (...args: never[]) => void): this {
    if (UNDICI_EVENTS.has(event)) return super.off(event as 'drain', listener as never);
    this.#events.off(event as keyof BalancedDispatcherEvents, listener as never);
    return this;
  }

  /** Number of listeners of one of {@link BalancedDispatcherEvents} (for cleanup checks). */
  override listenerCount(event: keyof BalancedDispatcherEvents): number {
    if (UNDICI_EVENTS.has(event)) return super.listenerCount(event);
    return this.#events.listenerCount(event);
  }

  /** The current endpoints (a fresh array). */
  get endpoints(): HttpEndpoint[] {
    return [...this.#members.values()].map((m) => m.endpoint);
  }

  /** The last error of the discovery callback, or `undefined` when its last call succeeded. */
  get lastDiscoveryError(): unknown {
    return this.#discovery?.error;
  }

  /** A snapshot of the counters, gauges and latency histograms (see {@link BalancedDispatcherStats}). */
  stats(): BalancedDispatcherStats {
    return snapshot(this.#members, this.#health, this.#counters, this.#hedge, this.#s.duration);
  }

  /**
   * Replaces the endpoint list. Endpoints that stay (same origin and weight) keep their balancer state (EWMA,
   * active requests), outlier and health-check state and connection pool; removed ones leave the balancer at
   * once, their health check stops and their pool closes after its in-flight requests; a changed weight
   * re-adds the endpoint (fresh state).
   * @throws {TypeError}/{@link RangeError} on a malformed or duplicate origin or a weight ≤ 0 (nothing changes).
   */
  setEndpoints(endpoints: readonly HttpEndpointInput[]): void {
    this.#apply(normaliseEndpoints(endpoints));
  }

  /** When the discovery callback runs next, ms after its last answer: its `ttlMs` (≥ 1 000) or `discoverIntervalMs`. */
  get discoveryRefreshMs(): number | undefined {
    return this.#discovery?.refreshMs;
  }

  /** Calls the `discover` callback now and applies its answer; on error keeps the current list. Resolves when done. */
  async refresh(): Promise<void> {
    await this.#discovery?.refresh();
  }

  #apply(list: readonly HttpEndpoint[]): void {
    const next = new Map(list.map((e) => [e.id, e]));
    const added: string[] = [];
    const removed: string[] = [];
    for (const [id, m] of this.#members) {
      const e = next.get(id);
      if (e !== undefined && e.weight === m.endpoint.weight) continue;
      this.#balancer.remove(id);
      this.#health.remove(id);
      this.#members.delete(id);
      removed.push(id);
      void m.pool.close().catch(() => {});
    }
    for (const e of list) {
      if (this.#members.has(e.id)) continue;
      const pool = new Pool(e.origin, this.#poolOptions);
      this.#members.set(e.id, {
        endpoint: e,
        pool,
        requests: 0,
        failures: 0,
        retries: 0,
        hedges: 0,
        ejections: 0,
        active: 0,
        duration: new Histogram(),
      });
      this.#balancer.add(e);
      this.#health.add(e);
      added.push(e.id);
    }
    if ((added.length > 0 || removed.length > 0) && this.#events.wants('endpointsChanged'))
      this.#events.emit('endpointsChanged', { added, removed, endpoints: [...this.#members.keys()] });
  }

  /** undici's entry point: runs one request over the endpoints. */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = toUserHandler(handler);
    if (this.#closed) {
      const err = new Error('The balanced dispatcher is closed');
      queueMicrotask(() => h.error(DEAD, err));
      return false;
    }
    const method = (options.method ?? 'GET').toUpperCase();
    if (method === 'CONNECT' || options.upgrade != null) {
      const err = new TypeError('The balanced dispatcher does not support CONNECT or upgrade requests');
      queueMicrotask(() => h.error(DEAD, err));
      return false;
    }
    const replayable =
      (this.#maxAttempts > 1 || this.#hedge !== undefined) &&
      isReplayable(options.body) &&
      (this.#methods.has(method) || (this.#keyHeader !== undefined && hasHeader(options.headers, this.#keyHeader)));
    const exchange = new Exchange(this.#s, options, h, replayable && this.#maxAttempts > 1, replayable && this.#hedge !== undefined);
    if (this.#members.size === 0 && this.#discovery?.first !== undefined) void this.#discovery.first.then(() => exchange.start());
    else exchange.start();
    return true;
  }

  /** Closes every pool after its in-flight requests and stops discovery, health checks and outlier detection. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    const done = this.#shutdown((p) => p.close());
    if (callback === undefined) return done;
    void done.then(callback, callback);
    return undefined;
  }

  /** Destroys every pool at once (in-flight requests fail with `error`) and stops discovery, health checks and outlier detection. */
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | undefined {
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = this.#shutdown((p) => p.destroy(err));
    if (callback === undefined) return done;
    void done.then(callback, callback);
    return undefined;
  }

  async #shutdown(each: (p: Pool) => Promise<void>): Promise<void> {
    this.#closed = true;
    this.#discovery?.stop();
    this.#health.stop();
    await Promise.all([...this.#members.values()].map((m) => each(m.pool).catch(() => {})));
  }
}

type Controller = Dispatcher.DispatchController;
type UndiciError = errors.UndiciError;

const DEAD: Controller = {
  aborted: true,
  paused: false,
  reason: null,
  abort() {},
  pause() {},
  resume() {},
};

/**
 * Creates a {@link BalancedDispatcher}: an undici `Dispatcher` for `fetch(url, { dispatcher })`,
 * `undici.request(url, { dispatcher })` or `setGlobalDispatcher()`.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, both `endpoints` and `discover`, a malformed or
 *   duplicate origin, a weight ≤ 0.
 * @example
 * ```ts no-run
 * import { fetch } from 'undici';
 * import { createBalancedDispatcher } from '@scaling/http-client';
 * const dispatcher = createBalancedDispatcher({
 *   endpoints: ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'],
 *   attemptTimeoutMs: 1_000,
 *   timeoutMs: 5_000,
 * });
 * const res = await fetch('http://orders/items/42', { dispatcher });
 * ```
 */
export function createBalancedDispatcher(options: BalancedDispatcherOptions): BalancedDispatcher {
  return new BalancedDispatcher(options);
}
