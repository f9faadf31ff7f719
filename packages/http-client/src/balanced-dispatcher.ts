import { tracingChannel } from 'node:diagnostics_channel';
import { Histogram } from '@scaling/core';
import { assertFunction, assertOptions, assertPositiveFinite, assertPositiveInteger, describeValue, Emitter } from '@scaling/core/internal';
import {
  type CombinedHealth,
  combineHealth,
  HealthMonitor,
  httpProbe,
  OutlierDetector,
  type OutlierDetectorOptions,
} from '@scaling/health';
import { type LoadBalancer, PeakEwma } from '@scaling/load-balancer';
import { concurrencyBudget, type RetryBudget } from '@scaling/resilience';
import { Dispatcher, type errors, Pool } from 'undici';
import { hasHeader, isReplayable, normaliseEndpoints } from './_endpoints.js';
import { type Counters, Exchange, type HedgeSettings, type Member, type Shared } from './_exchange.js';
import { toUserHandler } from './_handler.js';
import {
  CHECKS,
  DEFAULT_METHODS,
  defaultIsFailure,
  EVENTS,
  HINTS,
  healthSettings,
  hedgeSettings,
  isBudget,
  KEYS,
  OUTLIERS,
  RETRY_KEYS,
  UNDICI_EVENTS,
} from './_options.js';
import type {
  AttemptResult,
  BalancedDispatcherEvents,
  BalancedDispatcherStats,
  BalancedHealthCheckOptions,
  BalancedHedgeOptions,
  BalancedRequestTrace,
  DiscoveryAnswer,
  EndpointStats,
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
  /** The static endpoint list: origins or `{ origin, weight }` (weight > 0, default 1). Default `[]` (then use `discover`). */
  endpoints?: readonly HttpEndpointInput[];
  /**
   * A discovery callback returning the current endpoint list (or `{ endpoints, ttlMs }`); called at
   * construction and every `discoverIntervalMs` (or after `ttlMs`, at least 1 s), its answer is applied with
   * {@link BalancedDispatcher.setEndpoints}. A rejection or an invalid answer keeps the last good list (see
   * {@link BalancedDispatcher.lastDiscoveryError}). Requests made before the first answer, with no static
   * endpoint, wait for it. See {@link dnsDiscovery} for DNS.
   */
  discover?: () => DiscoveryAnswer | Promise<DiscoveryAnswer>;
  /** Period of `discover` calls, ms. Default 30 000. */
  discoverIntervalMs?: number;
  /** The balancer choosing an endpoint per attempt; pass an empty one (the dispatcher adds the endpoints). Default `new PeakEwma()`. */
  balancer?: LoadBalancer<HttpEndpoint>;
  /** Outlier detection options (`@scaling/health`, without `target`/`endpoints`), or `false` to disable. Default `{}`. */
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
  /** Options passed to each endpoint's undici `Pool` (connections, pipelining, …). */
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
  readonly #detector: OutlierDetector | undefined;
  readonly #health: CombinedHealth;
  readonly #monitor: HealthMonitor | undefined;
  readonly #check: ReturnType<typeof healthSettings>;
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
  readonly #discover: (() => DiscoveryAnswer | Promise<DiscoveryAnswer>) | undefined;
  #nextDiscoverMs: number | undefined;
  /** The first discovery call while it runs: requests with no endpoint yet wait for it. */
  #firstDiscovery: Promise<void> | undefined;
  readonly #interval: number;
  #discoverTimer: ReturnType<typeof setTimeout> | undefined;
  #discoverError: unknown;
  #closed = false;

  /**
   * @throws {TypeError}/{@link RangeError} on a bad or unknown option (also inside `retry`, `healthCheck`,
   *   `hedge`), a malformed or duplicate origin, a weight ≤ 0.
   */
  constructor(options: BalancedDispatcherOptions) {
    super();
    assertOptions('createBalancedDispatcher', options, KEYS, HINTS);
    const endpoints = normaliseEndpoints(options.endpoints ?? []);
    if (options.discover !== undefined) assertFunction('discover', options.discover);
    const interval = options.discoverIntervalMs ?? 30_000;
    assertPositiveFinite('discoverIntervalMs', interval);
    const balancer = options.balancer ?? new PeakEwma<HttpEndpoint>();
    if (typeof balancer !== 'object' || balancer === null || typeof balancer.pick !== 'function')
      throw new TypeError(`Expected \`balancer\` to be a load balancer (e.g. new PeakEwma()), got ${describeValue(balancer)}`);
    if (balancer.endpoints.length > 0) throw new TypeError('Expected `balancer` to be empty: the dispatcher adds the endpoints');
    if (options.isFailure !== undefined) assertFunction('isFailure', options.isFailure);
    const retry = options.retry ?? {};
    if (retry !== false) assertOptions('retry', retry, RETRY_KEYS, { retries: 'use `maxAttempts` (first attempt included)' });
    const maxAttempts = retry === false ? 1 : (retry.maxAttempts ?? 3);
    assertPositiveInteger('retry.maxAttempts', maxAttempts);
    const budget = retry === false ? false : (retry.budget ?? concurrencyBudget());
    if (budget !== false && !isBudget(budget))
      throw new TypeError(
        `Expected \`retry.budget\` to be a RetryBudget (e.g. concurrencyBudget()) or false, got ${describeValue(budget)}`,
      );
    const methods = (retry === false ? undefined : retry.methods) ?? DEFAULT_METHODS;
    if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string'))
      throw new TypeError(`Expected \`retry.methods\` to be an array of method names, got ${describeValue(methods)}`);
    const keyHeader = retry === false ? 'idempotency-key' : (retry.idempotencyKeyHeader ?? 'idempotency-key');
    if (keyHeader !== false && (typeof keyHeader !== 'string' || keyHeader === ''))
      throw new TypeError(`Expected \`retry.idempotencyKeyHeader\` to be a header name or false, got ${describeValue(keyHeader)}`);
    if (options.attemptTimeoutMs !== undefined) assertPositiveFinite('attemptTimeoutMs', options.attemptTimeoutMs);
    if (options.timeoutMs !== undefined) assertPositiveFinite('timeoutMs', options.timeoutMs);
    const deadlineHeader = options.deadlineHeader ?? 'x-request-timeout-ms';
    // a header name is an RFC 9110 token (no spaces, colons or separators): undici would refuse it on every request
    if (deadlineHeader !== false && (typeof deadlineHeader !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(deadlineHeader)))
      throw new TypeError(`Expected \`deadlineHeader\` to be a header name or false, got ${describeValue(deadlineHeader)}`);
    if (options.pool !== undefined && (typeof options.pool !== 'object' || options.pool === null))
      throw new TypeError(`Expected \`pool\` to be undici Pool options, got ${describeValue(options.pool)}`);
    const od = options.outlierDetection ?? {};
    if (od !== false && (typeof od !== 'object' || od === null))
      throw new TypeError(`Expected \`outlierDetection\` to be outlier detection options or false, got ${describeValue(od)}`);
    this.#check = healthSettings(options.healthCheck);
    const retryBudget = budget === false ? undefined : budget;
    this.#hedge = hedgeSettings(options.hedge, retryBudget);

    this.#balancer = balancer;
    this.#health = combineHealth(balancer);
    this.#detector = od === false ? undefined : new OutlierDetector({ ...od, target: this.#health.source(OUTLIERS) });
    if (this.#detector !== undefined) {
      this.#detector.on('eject', (e) => {
        const m = this.#members.get(e.id);
        if (m !== undefined) m.ejections++;
        if (this.#events.wants('ejected')) this.#events.emit('ejected', { origin: e.id, source: OUTLIERS, reason: e.reason });
      });
      this.#detector.on('return', (e) => {
        if (this.#events.wants('returned')) this.#events.emit('returned', { origin: e.id, source: OUTLIERS });
      });
    }
    if (this.#check !== undefined) {
      const monitor = new HealthMonitor();
      const active = this.#health.source(CHECKS);
      const lastOutput = new Map<string, string>();
      monitor.on('result', (r) => {
        if (r.status === 'fail') lastOutput.set(r.name, r.output ?? 'health check failed');
      });
      monitor.on('change', ({ name, healthy }) => {
        if (!this.#members.has(name) || this.#down.has(name) !== healthy) return;
        if (healthy) this.#down.delete(name);
        else this.#down.add(name);
        active.setHealthy(name, healthy);
        if (!healthy) (this.#members.get(name) as Member).ejections++;
        if (healthy) this.#events.emit('returned', { origin: name, source: CHECKS });
        else this.#events.emit('ejected', { origin: name, source: CHECKS, reason: lastOutput.get(name) ?? 'health check failed' });
      });
      this.#monitor = monitor;
    }
    this.#poolOptions = options.pool;
    this.#maxAttempts = maxAttempts;
    this.#methods = new Set(methods.map((m) => m.toUpperCase()));
    this.#keyHeader = keyHeader === false ? undefined : keyHeader.toLowerCase();
    this.#discover = options.discover;
    this.#interval = interval;
    this.#s = {
      balancer,
      detector: this.#detector,
      members: this.#members,
      isFailure: options.isFailure ?? defaultIsFailure,
      maxAttempts,
      budget: retryBudget,
      hedge: this.#hedge,
      attemptTimeoutMs: options.attemptTimeoutMs,
      timeoutMs: options.timeoutMs,
      deadlineHeader: deadlineHeader === false ? undefined : deadlineHeader.toLowerCase(),
      counters: this.#counters,
      duration: new Histogram(),
      events: this.#events,
      trace: requestTrace,
    };
    this.#apply(endpoints);
    this.#monitor?.start();
    if (this.#discover !== undefined) {
      const tick = (): Promise<void> =>
        this.refresh().finally(() => {
          if (this.#closed) return;
          this.#discoverTimer = setTimeout(tick, this.#nextDiscoverMs ?? interval);
          this.#discoverTimer.unref?.();
        });
      const first = tick();
      this.#firstDiscovery = first;
      void first.finally(() => {
        this.#firstDiscovery = undefined;
      });
    }
  }

  /** Endpoints the active health check holds out of rotation. */
  readonly #down = new Set<string>();

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
    return this.#discoverError;
  }

  /** A snapshot of the counters, gauges and latency histograms (see {@link BalancedDispatcherStats}). */
  stats(): BalancedDispatcherStats {
    const endpoints: Record<string, EndpointStats> = {};
    for (const [id, m] of this.#members) {
      const state = this.#detector?.stateOf(id);
      endpoints[id] = {
        requests: m.requests,
        failures: m.failures,
        retries: m.retries,
        hedges: m.hedges,
        ejections: m.ejections,
        active: m.active,
        healthy: this.#monitor?.isHealthy(id) ?? true,
        ejected: (state !== undefined && state !== 'healthy') || this.#down.has(id),
        requestDuration: m.duration.clone(),
      };
    }
    return {
      ...this.#counters,
      delayMs: this.#hedge?.delay.delayMs ?? 0,
      requestDuration: this.#s.duration.clone(),
      endpoints,
    };
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
    return this.#discover === undefined ? undefined : (this.#nextDiscoverMs ?? this.#interval);
  }

  /** Calls the `discover` callback now and applies its answer; on error keeps the current list. Resolves when done. */
  async refresh(): Promise<void> {
    if (this.#discover === undefined || this.#closed) return;
    try {
      const answer = await this.#discover();
      if (this.#closed) return;
      const list = Array.isArray(answer) ? answer : (answer as { endpoints?: unknown }).endpoints;
      const ttlMs = Array.isArray(answer) ? undefined : (answer as { ttlMs?: unknown }).ttlMs;
      this.setEndpoints(list as readonly HttpEndpointInput[]);
      this.#nextDiscoverMs = typeof ttlMs === 'number' && Number.isFinite(ttlMs) ? Math.max(1_000, ttlMs) : undefined;
      this.#discoverError = undefined;
    } catch (error) {
      this.#discoverError = error;
      this.#counters.discoveryErrors++;
      this.#events.emit('discoveryError', { error });
    }
  }

  #apply(list: readonly HttpEndpoint[]): void {
    const next = new Map(list.map((e) => [e.id, e]));
    const added: string[] = [];
    const removed: string[] = [];
    for (const [id, m] of this.#members) {
      const e = next.get(id);
      if (e !== undefined && e.weight === m.endpoint.weight) continue;
      this.#balancer.remove(id);
      this.#detector?.remove(id);
      this.#monitor?.remove(id);
      this.#health.forget(id);
      this.#down.delete(id);
      this.#members.delete(id);
      removed.push(id);
      void m.pool.close().catch(() => {});
    }
    const check = this.#check;
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
      this.#detector?.add(e.id);
      if (this.#monitor !== undefined && check !== undefined) {
        this.#monitor.add({
          name: e.id,
          check: httpProbe({
            url: `${e.origin}${check.path}`,
            method: check.method,
            expectStatus: check.expectStatus,
            timeoutMs: check.timeoutMs,
            ...(check.headers === undefined ? {} : { headers: check.headers }),
          }),
          intervalMs: check.intervalMs,
          ...(check.unhealthyIntervalMs === undefined ? {} : { unhealthyIntervalMs: check.unhealthyIntervalMs }),
          timeoutMs: check.timeoutMs,
          unhealthyThreshold: check.unhealthyThreshold,
          healthyThreshold: check.healthyThreshold,
          jitterMs: check.jitterMs,
          initialStatus: 'pass',
        });
      }
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
    if (this.#members.size === 0 && this.#firstDiscovery !== undefined) void this.#firstDiscovery.then(() => exchange.start());
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
    if (this.#discoverTimer !== undefined) clearTimeout(this.#discoverTimer);
    this.#monitor?.stop();
    this.#detector?.stop();
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
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, a malformed or duplicate origin, a weight ≤ 0.
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
