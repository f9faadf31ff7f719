import { TimeoutError } from '@scaling/core';
import { assertFunction, assertOptions, assertPositiveFinite, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import { OutlierDetector, type OutlierDetectorOptions } from '@scaling/health';
import { type Lease, type LoadBalancer, PeakEwma } from '@scaling/load-balancer';
import { concurrencyBudget, type RetryBudget } from '@scaling/resilience';
import { Dispatcher, Pool } from 'undici';
import { hasHeader, isReplayable, normaliseEndpoints, withHeader } from './_endpoints.js';
import { type NewHandler, toNewHandler } from './_handler.js';
import { EndpointsFailedError } from './errors.js';
import type { AttemptResult, DiscoveryAnswer, EndpointStats, HttpEndpoint, HttpEndpointInput } from './types.js';

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
}

const KEYS = [
  'endpoints',
  'discover',
  'discoverIntervalMs',
  'balancer',
  'outlierDetection',
  'isFailure',
  'retry',
  'attemptTimeoutMs',
  'timeoutMs',
  'deadlineHeader',
  'pool',
];
const HINTS: Record<string, string> = {
  upstreams: 'use `endpoints`',
  origins: 'use `endpoints`',
  timeout: 'use `timeoutMs` (milliseconds)',
  headersTimeout: 'use `attemptTimeoutMs` (milliseconds), or pass it in `pool`',
  maxRetries: 'use `retry: { maxAttempts }` (attempts, first one included)',
  strategy: 'use `balancer` (e.g. `new RoundRobin()` from @scaling/load-balancer)',
  connections: 'use `pool: { connections }`',
};
const RETRY_KEYS = ['maxAttempts', 'budget', 'methods', 'idempotencyKeyHeader'];
const DEFAULT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'];

const defaultIsFailure = (r: AttemptResult): boolean => r.error !== undefined || (r.statusCode ?? 0) >= 500;

interface Member {
  readonly endpoint: HttpEndpoint;
  readonly pool: Pool;
  readonly stats: EndpointStats;
}

type Controller = Dispatcher.DispatchController;

/**
 * An undici `Dispatcher` that spreads requests over several origins: one undici `Pool` per endpoint, a
 * `@scaling/load-balancer` balancer (Peak EWMA by default) choosing the endpoint of each attempt, passive
 * health through a `@scaling/health` `OutlierDetector`, retries on endpoints not tried yet under a
 * `@scaling/resilience` retry budget, per-attempt and total timeouts, and the remaining time sent upstream.
 *
 * Leases are released with the latency measured up to the end of the response **body** (or its error).
 * Retries happen only before the response is handed to the caller (connect error, reset, attempt timeout,
 * failure status), for idempotent methods or requests with an idempotency key, and only when the body is
 * replayable (absent, string or bytes — never a stream). A body error after the headers reaches the caller.
 *
 * The request's own origin is ignored: `fetch('http://orders/items', { dispatcher })` goes to a chosen
 * endpoint with path `/items`.
 */
export class BalancedDispatcher extends Dispatcher {
  readonly #balancer: LoadBalancer<HttpEndpoint>;
  readonly #detector: OutlierDetector | undefined;
  readonly #members = new Map<string, Member>();
  readonly #poolOptions: Pool.Options | undefined;
  readonly #isFailure: (r: AttemptResult) => boolean;
  readonly #maxAttempts: number;
  readonly #budget: RetryBudget | undefined;
  readonly #methods: ReadonlySet<string>;
  readonly #keyHeader: string | undefined;
  readonly #attemptTimeoutMs: number | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #deadlineHeader: string | undefined;
  readonly #discover: (() => DiscoveryAnswer | Promise<DiscoveryAnswer>) | undefined;
  #nextDiscoverMs: number | undefined;
  /** The first discovery call while it runs: requests with no endpoint yet wait for it. */
  #firstDiscovery: Promise<void> | undefined;
  readonly #interval: number;
  #discoverTimer: ReturnType<typeof setTimeout> | undefined;
  #discoverError: unknown;
  #closed = false;

  /** @throws {TypeError}/{@link RangeError} on a bad or unknown option, a malformed or duplicate origin, a weight ≤ 0. */
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
    if (budget !== false && (typeof budget !== 'object' || budget === null || typeof budget.tryAcquireRetry !== 'function'))
      throw new TypeError(
        `Expected \`retry.budget\` to be a RetryBudget (e.g. concurrencyBudget()) or false, got ${describeValue(budget)}`,
      );
    const methods = (retry === false ? undefined : retry.methods) ?? DEFAULT_METHODS;
    if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string'))
      throw new TypeError(`Expected \`retry.methods\` to be an array of method names, got ${describeValue(methods)}`);
    const keyHeader = retry === false ? false : (retry.idempotencyKeyHeader ?? 'idempotency-key');
    if (keyHeader !== false && (typeof keyHeader !== 'string' || keyHeader === ''))
      throw new TypeError(`Expected \`retry.idempotencyKeyHeader\` to be a header name or false, got ${describeValue(keyHeader)}`);
    if (options.attemptTimeoutMs !== undefined) assertPositiveFinite('attemptTimeoutMs', options.attemptTimeoutMs);
    if (options.timeoutMs !== undefined) assertPositiveFinite('timeoutMs', options.timeoutMs);
    const deadlineHeader = options.deadlineHeader ?? 'x-request-timeout-ms';
    if (deadlineHeader !== false && (typeof deadlineHeader !== 'string' || deadlineHeader === ''))
      throw new TypeError(`Expected \`deadlineHeader\` to be a header name or false, got ${describeValue(deadlineHeader)}`);
    if (options.pool !== undefined && (typeof options.pool !== 'object' || options.pool === null))
      throw new TypeError(`Expected \`pool\` to be undici Pool options, got ${describeValue(options.pool)}`);
    const od = options.outlierDetection ?? {};
    this.#balancer = balancer;
    this.#detector = od === false ? undefined : new OutlierDetector({ ...od, target: balancer });
    this.#poolOptions = options.pool;
    this.#isFailure = options.isFailure ?? defaultIsFailure;
    this.#maxAttempts = maxAttempts;
    this.#budget = budget === false ? undefined : budget;
    this.#methods = new Set(methods.map((m) => m.toUpperCase()));
    this.#keyHeader = keyHeader === false ? undefined : keyHeader.toLowerCase();
    this.#attemptTimeoutMs = options.attemptTimeoutMs;
    this.#timeoutMs = options.timeoutMs;
    this.#deadlineHeader = deadlineHeader === false ? undefined : deadlineHeader.toLowerCase();
    this.#discover = options.discover;
    this.#interval = interval;
    this.#apply(endpoints);
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

  /** The current endpoints (a fresh array). */
  get endpoints(): HttpEndpoint[] {
    return [...this.#members.values()].map((m) => m.endpoint);
  }

  /** The last error of the discovery callback, or `undefined` when its last call succeeded. */
  get lastDiscoveryError(): unknown {
    return this.#discoverError;
  }

  /** Per-endpoint counters, keyed by origin (a snapshot). */
  stats(): Record<string, EndpointStats> {
    const out: Record<string, EndpointStats> = {};
    for (const [id, m] of this.#members) out[id] = { ...m.stats, ejections: this.#detector?.ejectionsOf(id) ?? 0 };
    return out;
  }

  /**
   * Replaces the endpoint list. Endpoints that stay (same origin and weight) keep their balancer state (EWMA,
   * active requests), outlier state and connection pool; removed ones leave the balancer at once and their
   * pool closes after its in-flight requests; a changed weight re-adds the endpoint (fresh state).
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
    }
  }

  #apply(list: readonly HttpEndpoint[]): void {
    const next = new Map(list.map((e) => [e.id, e]));
    for (const [id, m] of this.#members) {
      const e = next.get(id);
      if (e !== undefined && e.weight === m.endpoint.weight) continue;
      this.#balancer.remove(id);
      this.#detector?.remove(id);
      this.#members.delete(id);
      void m.pool.close().catch(() => {});
    }
    for (const e of list) {
      if (this.#members.has(e.id)) continue;
      const pool = new Pool(e.origin, this.#poolOptions);
      this.#members.set(e.id, { endpoint: e, pool, stats: { requests: 0, failures: 0, retries: 0, ejections: 0 } });
      this.#balancer.add(e);
      this.#detector?.add(e.id);
    }
  }

  /** undici's entry point: runs one request over the endpoints. */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = toNewHandler(handler);
    if (this.#closed) {
      const err = new Error('The balanced dispatcher is closed');
      queueMicrotask(() => h.onResponseError(DEAD, err));
      return false;
    }
    const method = (options.method ?? 'GET').toUpperCase();
    if (method === 'CONNECT' || options.upgrade != null) {
      const err = new TypeError('The balanced dispatcher does not support CONNECT or upgrade requests');
      queueMicrotask(() => h.onResponseError(DEAD, err));
      return false;
    }
    const retryable =
      this.#maxAttempts > 1 &&
      isReplayable(options.body) &&
      (this.#methods.has(method) || (this.#keyHeader !== undefined && hasHeader(options.headers, this.#keyHeader)));
    const exchange = new Exchange(this, options, h, retryable);
    if (this.#members.size === 0 && this.#firstDiscovery !== undefined) void this.#firstDiscovery.then(() => exchange.start());
    else exchange.start();
    return true;
  }

  /** @internal */
  _internals(): Internals {
    return {
      balancer: this.#balancer,
      detector: this.#detector,
      members: this.#members,
      isFailure: this.#isFailure,
      maxAttempts: this.#maxAttempts,
      budget: this.#budget,
      attemptTimeoutMs: this.#attemptTimeoutMs,
      timeoutMs: this.#timeoutMs,
      deadlineHeader: this.#deadlineHeader,
    };
  }

  /** Closes every pool after its in-flight requests and stops discovery and outlier detection. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    const done = this.#shutdown((p) => p.close());
    if (callback === undefined) return done;
    void done.then(callback, callback);
    return undefined;
  }

  /** Destroys every pool at once (in-flight requests fail with `error`) and stops discovery and outlier detection. */
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
    this.#detector?.stop();
    await Promise.all([...this.#members.values()].map((m) => each(m.pool).catch(() => {})));
  }
}

interface Internals {
  balancer: LoadBalancer<HttpEndpoint>;
  detector: OutlierDetector | undefined;
  members: Map<string, Member>;
  isFailure: (r: AttemptResult) => boolean;
  maxAttempts: number;
  budget: RetryBudget | undefined;
  attemptTimeoutMs: number | undefined;
  timeoutMs: number | undefined;
  deadlineHeader: string | undefined;
}

const DEAD: Controller = {
  aborted: true,
  paused: false,
  reason: null,
  abort() {},
  pause() {},
  resume() {},
};

/** One request: its attempts, timers, budget and the caller's handler. */
class Exchange {
  readonly #i: Internals;
  readonly #opts: Dispatcher.DispatchOptions;
  readonly #user: NewHandler;
  readonly #retryable: boolean;
  readonly #tried: string[] = [];
  readonly #exclude = new Set<string>();
  #attempt: Attempt | undefined;
  #attempts = 0;
  #holdingRetry = false;
  #deadline = 0;
  #totalTimer: ReturnType<typeof setTimeout> | undefined;
  #done = false;
  #paused = false;
  #reason: Error | null = null;
  readonly controller: Controller;

  constructor(d: BalancedDispatcher, opts: Dispatcher.DispatchOptions, user: NewHandler, retryable: boolean) {
    this.#i = d._internals();
    this.#opts = opts;
    this.#user = user;
    this.#retryable = retryable;
    const self = this;
    this.controller = {
      get aborted() {
        return self.#reason !== null;
      },
      get paused() {
        return self.#paused;
      },
      get reason() {
        return self.#reason;
      },
      abort(reason: Error) {
        if (self.#done) return;
        self.#reason = reason ?? new Error('Request aborted');
        self.#attempt?.cancel(self.#reason);
        self.#finish(self.#reason, false);
      },
      pause() {
        self.#paused = true;
        self.#attempt?.controller?.pause();
      },
      resume() {
        self.#paused = false;
        self.#attempt?.controller?.resume();
      },
    };
  }

  start(): void {
    this.#i.budget?.requestStarted();
    const total = this.#i.timeoutMs;
    if (total !== undefined) {
      this.#deadline = performance.now() + total;
      this.#totalTimer = setTimeout(() => this.#onTotalTimeout(total), total);
    }
    try {
      this.#user.onRequestStart(this.controller, {});
    } catch (error) {
      this.#finish(error as Error, false);
      return;
    }
    if (!this.#done) this.#next(undefined);
  }

  #onTotalTimeout(total: number): void {
    const err = new TimeoutError(`Request timed out after ${total} ms`, total);
    // After the headers the body errors; before them the request ends with the coded error.
    this.#attempt?.fail(err, false);
    if (!this.#done) this.#finish(new EndpointsFailedError(this.#tried, err), true);
  }

  /** Starts the next attempt, or gives up with `lastError`. */
  #next(lastError: Error | undefined): void {
    const i = this.#i;
    let lease: Lease<HttpEndpoint> | undefined;
    for (;;) {
      try {
        lease = i.balancer.pick({ exclude: this.#exclude });
      } catch {
        this.#finish(new EndpointsFailedError(this.#tried, lastError), true);
        return;
      }
      const id = lease.endpoint.id;
      if (i.detector === undefined || i.detector.admit(id)) break;
      lease.release();
      this.#exclude.add(id);
    }
    const member = i.members.get(lease.endpoint.id);
    if (member === undefined) {
      lease.release();
      this.#exclude.add(lease.endpoint.id);
      this.#next(lastError);
      return;
    }
    this.#exclude.add(member.endpoint.id);
    if (!this.#tried.includes(member.endpoint.id)) this.#tried.push(member.endpoint.id);
    member.stats.requests++;
    if (this.#attempts > 0) member.stats.retries++;
    this.#attempts++;
    let headers = this.#opts.headers;
    if (i.deadlineHeader !== undefined && i.timeoutMs !== undefined) {
      const left = Math.max(0, Math.floor(this.#deadline - performance.now()));
      headers = withHeader(headers, i.deadlineHeader, String(left)) as never;
    }
    const attempt = new Attempt(this, member, lease, i);
    this.#attempt = attempt;
    attempt.arm();
    try {
      member.pool.dispatch({ ...this.#opts, origin: member.endpoint.origin, headers }, attempt);
    } catch (error) {
      attempt.fail(error as Error, true);
    }
  }

  /** Called by an attempt that failed before its response reached the caller. */
  attemptFailed(error: Error, mayRetry: boolean): void {
    if (this.#done) return;
    if (mayRetry && this.canRetry()) {
      this.#next(error);
      return;
    }
    this.#finish(new EndpointsFailedError(this.#tried, error), true);
  }

  /** Starts a retry whose budget token {@link Exchange.canRetry} already took. */
  retryTaken(error: Error): void {
    if (!this.#done) this.#next(error);
  }

  /** Whether a retry may start now (takes the budget token when it can). */
  canRetry(): boolean {
    if (!this.#retryable || this.#done || this.#attempts >= this.#i.maxAttempts) return false;
    const budget = this.#i.budget;
    if (budget === undefined) return true;
    if (this.#holdingRetry) {
      budget.retryFinished();
      this.#holdingRetry = false;
    }
    if (!budget.tryAcquireRetry()) return false;
    this.#holdingRetry = true;
    return true;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get done(): boolean {
    return this.#done;
  }

  get user(): NewHandler {
    return this.#user;
  }

  /** Ends the request; with `notify`, reports `error` to the caller (or the end when `error` is undefined). */
  #finish(error: Error | undefined, notify: boolean, trailers?: Record<string, string | string[] | undefined>): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#totalTimer !== undefined) clearTimeout(this.#totalTimer);
    const budget = this.#i.budget;
    if (budget !== undefined) {
      if (this.#holdingRetry) budget.retryFinished();
      budget.requestFinished();
    }
    if (error === undefined) {
      this.#user.onResponseEnd(this.controller, trailers ?? {});
      return;
    }
    if (!notify) {
      // Aborted by the caller: undici reports the abort reason back asynchronously.
      queueMicrotask(() => this.#user.onResponseError(this.controller, error));
      return;
    }
    this.#user.onResponseError(this.controller, error);
  }

  end(trailers: Record<string, string | string[] | undefined>): void {
    this.#finish(undefined, true, trailers);
  }

  bodyError(error: Error): void {
    this.#finish(error, true);
  }
}

/** One attempt on one endpoint: the handler undici's Pool calls. Late calls after it was abandoned are ignored. */
class Attempt implements Dispatcher.DispatchHandler {
  readonly #x: Exchange;
  readonly #m: Member;
  readonly #lease: Lease<HttpEndpoint>;
  readonly #i: Internals;
  readonly #start = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stale = false;
  #failureStatus = false;
  #reason: Error | undefined;
  controller: Controller | undefined;
  headersSent = false;

  constructor(x: Exchange, m: Member, lease: Lease<HttpEndpoint>, i: Internals) {
    this.#x = x;
    this.#m = m;
    this.#lease = lease;
    this.#i = i;
  }

  arm(): void {
    const ms = this.#i.attemptTimeoutMs;
    if (ms === undefined) return;
    this.#timer = setTimeout(() => {
      if (!this.headersSent) this.fail(new TimeoutError(`Attempt on ${this.#m.endpoint.origin} got no response within ${ms} ms`, ms), true);
    }, ms);
  }

  #release(ok: boolean | undefined, error?: Error): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const latencyMs = performance.now() - this.#start;
    if (ok === undefined) {
      this.#lease.release();
      this.#i.detector?.record(this.#m.endpoint.id, {});
      return;
    }
    if (!ok) this.#m.stats.failures++;
    const outcome = error === undefined ? { ok, latencyMs } : { ok, latencyMs, error };
    this.#lease.release(outcome);
    this.#i.detector?.record(this.#m.endpoint.id, outcome);
  }

  /** The caller aborted: abandon without an outcome. */
  cancel(reason: Error): void {
    if (this.#stale) return;
    this.#stale = true;
    this.#reason = reason;
    this.#release(undefined);
    this.controller?.abort(reason);
  }

  /** Abandons the attempt as a failure; before the headers, lets the exchange retry (when `mayRetry`) or give up. */
  fail(error: Error, mayRetry: boolean): void {
    if (this.#stale) return;
    this.#stale = true;
    this.#reason = error;
    this.#release(false, error);
    this.controller?.abort(error);
    if (this.headersSent) this.#x.bodyError(error);
    else this.#x.attemptFailed(error, mayRetry);
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.#stale) {
      controller.abort(this.#reason ?? new Error('Attempt abandoned'));
      return;
    }
    if (this.#x.paused) controller.pause();
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (this.#stale) return;
    if (statusCode < 200) return;
    this.#failureStatus = this.#i.isFailure({ statusCode });
    if (this.#failureStatus && this.#x.canRetry()) {
      this.#stale = true;
      const err = new Error(`Upstream ${this.#m.endpoint.origin} answered ${statusCode}`);
      this.#release(false, err);
      controller.abort(err);
      this.#x.retryTaken(err);
      return;
    }
    this.headersSent = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#x.user.onResponseStart(this.#x.controller, statusCode, headers, statusMessage);
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    if (this.#stale) return;
    this.#x.user.onResponseData(this.#x.controller, chunk);
  }

  onResponseEnd(_controller: Controller, trailers: Record<string, string | string[] | undefined>): void {
    if (this.#stale) return;
    this.#stale = true;
    this.#release(!this.#failureStatus);
    this.#x.end(trailers);
  }

  onResponseError(_controller: Controller, error: Error): void {
    if (this.#stale) return;
    const failure = this.#i.isFailure({ error });
    if (!failure) {
      this.#stale = true;
      this.#release(undefined);
      if (this.headersSent) this.#x.bodyError(error);
      else this.#x.attemptFailed(error, false);
      return;
    }
    this.fail(error, true);
  }
}

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
