// Option validation of the balanced dispatcher: known keys, hints for other libraries' names, and every
// option checked and resolved to its default (the retry, health-check and hedging settings included).
import {
  assertFunction,
  assertInRange,
  assertNonNegativeFinite,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from '@scaling/core/internal';
import { type LoadBalancer, PeakEwma } from '@scaling/load-balancer';
import { concurrencyBudget, type RetryBudget } from '@scaling/resilience';
import { normaliseEndpoints } from './_endpoints.js';
import { HedgeDelay } from './_hedge-delay.js';
import { type OutlierSettings, outlierSettings } from './_outlier-options.js';
import { assertPoolOptions } from './_pool-options.js';
import type { HedgeSettings } from './_shared.js';
import type { BalancedDispatcherOptions } from './balanced-dispatcher.js';
import type { AttemptResult, BalancedDispatcherEvents, BalancedHealthCheckOptions, BalancedHedgeOptions, HttpEndpoint } from './types.js';

export const KEYS = [
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
  'healthCheck',
  'hedge',
];
export const HINTS: Record<string, string> = {
  upstreams: 'use `endpoints`',
  origins: 'use `endpoints`',
  timeout: 'use `timeoutMs` (milliseconds)',
  headersTimeout: 'use `attemptTimeoutMs` (milliseconds), or pass it in `pool`',
  maxRetries: 'use `retry: { maxAttempts }` (attempts, first one included)',
  strategy: 'use `balancer` (e.g. `new RoundRobin()` from @scaling/load-balancer)',
  connections: 'use `pool: { connections }`',
  health: 'use `healthCheck: { path, intervalMs, … }`',
  healthChecks: 'use `healthCheck: { path, intervalMs, … }`',
  hedging: 'use `hedge: { delay }`',
  hedgingDelay: 'use `hedge: { delay }`',
};
export const RETRY_KEYS = ['maxAttempts', 'budget', 'methods', 'idempotencyKeyHeader'];
export const HEALTH_KEYS = [
  'path',
  'method',
  'headers',
  'expectStatus',
  'intervalMs',
  'unhealthyIntervalMs',
  'timeoutMs',
  'unhealthyThreshold',
  'healthyThreshold',
  'jitterMs',
];
export const HEALTH_HINTS: Record<string, string> = {
  interval: 'use `intervalMs` (milliseconds)',
  timeout: 'use `timeoutMs` (milliseconds)',
  url: 'use `path` (requested on every endpoint)',
  rise: 'use `healthyThreshold`',
  fall: 'use `unhealthyThreshold`',
};
export const HEDGE_KEYS = ['delay', 'maxHedges', 'budget', 'loser'];
export const DEFAULT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'];
export const EVENTS: readonly (keyof BalancedDispatcherEvents)[] = [
  'retry',
  'hedge',
  'budgetExhausted',
  'ejected',
  'returned',
  'endpointsChanged',
  'discoveryError',
];
export const OUTLIERS = 'outlierDetection';
export const UNDICI_EVENTS = new Set(['connect', 'disconnect', 'connectionError', 'drain']);
export const CHECKS = 'healthCheck';

export const defaultIsFailure = (r: AttemptResult): boolean => r.error !== undefined || (r.statusCode ?? 0) >= 500;

export const isBudget = (b: unknown): b is RetryBudget =>
  typeof b === 'object' && b !== null && typeof (b as RetryBudget).tryAcquireRetry === 'function';

/** The health-check settings in effect: every option with its default. */
export type HealthCheckSettings = Required<Omit<BalancedHealthCheckOptions, 'headers' | 'unhealthyIntervalMs'>> &
  BalancedHealthCheckOptions;

/** Validates `healthCheck` and returns the settings with defaults (undefined when off). */
export function healthSettings(o: unknown): HealthCheckSettings | undefined {
  if (o === undefined || o === false) return undefined;
  assertOptions('healthCheck', o as object, HEALTH_KEYS, HEALTH_HINTS);
  const h = o as BalancedHealthCheckOptions;
  const path = h.path ?? '/healthz';
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new TypeError(`Expected \`healthCheck.path\` to be a path starting with "/", got ${describeValue(path)}`);
  const method = h.method ?? 'GET';
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))
    throw new TypeError(`Expected \`healthCheck.method\` to be an HTTP method, got ${describeValue(method)}`);
  if (h.headers !== undefined && (typeof h.headers !== 'object' || h.headers === null || Array.isArray(h.headers)))
    throw new TypeError(`Expected \`healthCheck.headers\` to be an object of header values, got ${describeValue(h.headers)}`);
  const expectStatus = h.expectStatus ?? [200, 399];
  if (!Array.isArray(expectStatus) || expectStatus.length !== 2)
    throw new TypeError(`Expected \`healthCheck.expectStatus\` to be [min, max], got ${describeValue(expectStatus)}`);
  assertInRange('healthCheck.expectStatus[0]', expectStatus[0], 100, 599);
  assertInRange('healthCheck.expectStatus[1]', expectStatus[1], expectStatus[0] as number, 599);
  const intervalMs = h.intervalMs ?? 5_000;
  assertPositiveFinite('healthCheck.intervalMs', intervalMs);
  if (h.unhealthyIntervalMs !== undefined) assertPositiveFinite('healthCheck.unhealthyIntervalMs', h.unhealthyIntervalMs);
  const timeoutMs = h.timeoutMs ?? 1_000;
  assertPositiveFinite('healthCheck.timeoutMs', timeoutMs);
  const unhealthyThreshold = h.unhealthyThreshold ?? 2;
  assertPositiveInteger('healthCheck.unhealthyThreshold', unhealthyThreshold);
  const healthyThreshold = h.healthyThreshold ?? 2;
  assertPositiveInteger('healthCheck.healthyThreshold', healthyThreshold);
  const jitterMs = h.jitterMs ?? 0;
  assertNonNegativeFinite('healthCheck.jitterMs', jitterMs);
  return { ...h, path, method, expectStatus, intervalMs, timeoutMs, unhealthyThreshold, healthyThreshold, jitterMs };
}

/** Validates `hedge` (undefined when off); `retryBudget` is the default budget. */
export function hedgeSettings(o: unknown, retryBudget: RetryBudget | undefined): HedgeSettings | undefined {
  if (o === undefined || o === false) return undefined;
  assertOptions('hedge', o as object, HEDGE_KEYS, { hedgingDelay: 'use `delay`', maxAttempts: 'use `maxHedges` (extra attempts)' });
  const h = o as BalancedHedgeOptions;
  let delay: HedgeDelay;
  if (typeof h.delay === 'number') {
    assertNonNegativeFinite('hedge.delay', h.delay);
    delay = new HedgeDelay(h.delay);
  } else if (typeof h.delay === 'object' && h.delay !== null) {
    assertOptions('hedge.delay', h.delay, ['quantile', 'initialMs', 'minSamples']);
    assertInRange('hedge.delay.quantile', h.delay.quantile, Number.MIN_VALUE, 1);
    assertNonNegativeFinite('hedge.delay.initialMs', h.delay.initialMs);
    const minSamples = h.delay.minSamples ?? 32;
    assertPositiveInteger('hedge.delay.minSamples', minSamples);
    if (minSamples > 512) throw new RangeError(`Expected \`hedge.delay.minSamples\` to be at most 512, got ${minSamples}`);
    delay = new HedgeDelay(h.delay.initialMs, h.delay.quantile, minSamples);
  } else {
    throw new TypeError(`Expected \`hedge.delay\` to be a number of ms or { quantile, initialMs }, got ${describeValue(h.delay)}`);
  }
  const maxHedges = h.maxHedges ?? 1;
  assertPositiveInteger('hedge.maxHedges', maxHedges);
  const b = h.budget === undefined ? (retryBudget ?? concurrencyBudget()) : h.budget;
  if (b !== false && !isBudget(b))
    throw new TypeError(`Expected \`hedge.budget\` to be a RetryBudget (e.g. concurrencyBudget()) or false, got ${describeValue(b)}`);
  const loser = h.loser ?? 'drain';
  if (loser !== 'drain' && loser !== 'abort')
    throw new TypeError(`Expected \`hedge.loser\` to be 'drain' or 'abort', got ${describeValue(loser)}`);
  return { delay, maxHedges, budget: b === false ? undefined : b, loser };
}

/** Every option of a balanced dispatcher, checked and with its default. */
export interface DispatcherSettings {
  readonly endpoints: HttpEndpoint[];
  readonly interval: number;
  readonly balancer: LoadBalancer<HttpEndpoint>;
  readonly isFailure: (r: AttemptResult) => boolean;
  readonly maxAttempts: number;
  readonly budget: RetryBudget | undefined;
  /** Methods retried without an idempotency key, upper case. */
  readonly methods: ReadonlySet<string>;
  /** The idempotency key header, lower case, or `undefined` for none. */
  readonly keyHeader: string | undefined;
  /** The deadline header, lower case, or `undefined` for none. */
  readonly deadlineHeader: string | undefined;
  readonly outlierDetection: OutlierSettings;
  readonly healthCheck: HealthCheckSettings | undefined;
  readonly hedge: HedgeSettings | undefined;
}

/**
 * Validates the options of a balanced dispatcher and resolves their defaults.
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option (also inside `retry`, `healthCheck`,
 *   `hedge`, `pool`, `outlierDetection`), both `endpoints` and `discover`, a malformed or duplicate origin, a
 *   weight ≤ 0.
 */
export function dispatcherSettings(options: BalancedDispatcherOptions): DispatcherSettings {
  assertOptions('createBalancedDispatcher', options, KEYS, HINTS);
  const endpoints = normaliseEndpoints(options.endpoints ?? []);
  if (options.discover !== undefined) assertFunction('discover', options.discover);
  // new-user review, 2026-12: the first discovery answer silently replaced a static list given beside it
  if (options.endpoints !== undefined && options.discover !== undefined)
    throw new TypeError(
      'Expected either `endpoints` or `discover`, not both: discovery replaces the whole list (return the static origins from `discover` to keep them)',
    );
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
    throw new TypeError(`Expected \`retry.budget\` to be a RetryBudget (e.g. concurrencyBudget()) or false, got ${describeValue(budget)}`);
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
  assertPoolOptions(options.pool);
  const od = outlierSettings(options.outlierDetection);
  const healthCheck = healthSettings(options.healthCheck);
  const retryBudget = budget === false ? undefined : budget;
  const hedge = hedgeSettings(options.hedge, retryBudget);
  return {
    endpoints,
    interval,
    balancer,
    isFailure: options.isFailure ?? defaultIsFailure,
    maxAttempts,
    budget: retryBudget,
    methods: new Set(methods.map((m) => m.toUpperCase())),
    keyHeader: keyHeader === false ? undefined : keyHeader.toLowerCase(),
    deadlineHeader: deadlineHeader === false ? undefined : deadlineHeader.toLowerCase(),
    outlierDetection: od,
    healthCheck,
    hedge,
  };
}
