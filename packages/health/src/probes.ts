import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect } from 'node:net';
import { type Clock, systemClock, TimeoutError, type TimerHandle } from '@scaling/core';
import { assertClock, assertFunction, assertInRange, assertOptions, assertPositiveFinite, describeValue } from '@scaling/core/internal';
import type { CheckFunction, CheckOutcome } from './health-check.js';

const TIMEOUT_HINT = 'use `timeoutMs` (milliseconds)';

/** Options of {@link httpProbe}. */
export interface HttpProbeOptions {
  /** `http:` or `https:` URL to request. */
  url: string | URL;
  /** Method. Default `GET`. */
  method?: string;
  /** Inclusive range of accepted status codes. Default `[200, 399]`. */
  expectStatus?: readonly [min: number, max: number];
  /** Per-request deadline (also bounded by the monitor's `timeoutMs`). Default 2,000 ms. */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Extra node:http(s) request options (e.g. `ca`, `rejectUnauthorized`, `agent`). */
  requestOptions?: RequestOptions;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/**
 * An HTTP(S) probe: one request (no connection reuse unless an `agent` is given), passing when the
 * status is within `expectStatus`. The body is discarded. Resolves `observedValue` = response time (ms).
 *
 * @throws {TypeError}/{@link RangeError} on a bad option.
 * @example
 * ```ts
 * import { HealthMonitor, httpProbe } from '@scaling/health';
 * new HealthMonitor({ checks: [{ name: 'api:responseTime', check: httpProbe({ url: 'http://127.0.0.1:8080/healthz' }) }] });
 * ```
 */
export function httpProbe(options: HttpProbeOptions): CheckFunction {
  assertOptions('httpProbe options', options, ['url', 'method', 'expectStatus', 'timeoutMs', 'headers', 'requestOptions', 'clock'], {
    timeout: TIMEOUT_HINT,
    expectedStatus: 'use `expectStatus: [min, max]`',
    statusCode: 'use `expectStatus: [min, max]`',
    path: 'put the path in `url`',
    host: 'put the host in `url`',
  });
  const url = options.url instanceof URL ? options.url : new URL(String(options.url));
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`Expected \`url\` to be an http: or https: URL, got ${describeValue(String(options.url))}`);
  const [min, max] = options.expectStatus ?? [200, 399];
  assertInRange('expectStatus[0]', min, 100, 599);
  assertInRange('expectStatus[1]', max, min, 599);
  const timeoutMs = options.timeoutMs ?? 2_000;
  assertPositiveFinite('timeoutMs', timeoutMs);
  const clock = options.clock ?? systemClock;
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const base: RequestOptions = { agent: false, ...options.requestOptions, method: options.method ?? 'GET', headers: options.headers };
  return (signal) =>
    withDeadline(clock, signal, timeoutMs, 'HTTP probe', (inner, started) => {
      return new Promise<CheckOutcome>((resolve, reject) => {
        const req = request(url, { ...base, signal: inner }, (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          const observedValue = clock.now() - started;
          res.once('end', () => {
            if (code >= min && code <= max) resolve({ status: 'pass', observedValue, observedUnit: 'ms' });
            else resolve({ status: 'fail', observedValue, observedUnit: 'ms', output: `HTTP ${code} outside ${min}–${max}` });
          });
          res.once('error', reject);
        });
        req.once('error', reject);
        req.end();
      });
    });
}

/** Options of {@link tcpProbe}. */
export interface TcpProbeOptions {
  /** Host name or IP address to connect to (non-empty). */
  host: string;
  /** TCP port to connect to (1–65535). */
  port: number;
  /** Connect deadline. Default 2,000 ms. */
  timeoutMs?: number;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/**
 * A TCP connect probe: passes when a connection opens (then closes it at once). Resolves
 * `observedValue` = connect time (ms).
 *
 * @throws {TypeError}/{@link RangeError} on a bad option.
 */
export function tcpProbe(options: TcpProbeOptions): CheckFunction {
  assertOptions('tcpProbe options', options, ['host', 'port', 'timeoutMs', 'clock'], { timeout: TIMEOUT_HINT, hostname: 'use `host`' });
  const { host, port } = options;
  if (typeof host !== 'string' || host === '')
    throw new TypeError(`Expected \`host\` to be a non-empty string, got ${describeValue(host)}`);
  assertInRange('port', port, 1, 65_535);
  const timeoutMs = options.timeoutMs ?? 2_000;
  assertPositiveFinite('timeoutMs', timeoutMs);
  const clock = options.clock ?? systemClock;
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  return (signal) =>
    withDeadline(clock, signal, timeoutMs, 'TCP probe', (inner, started) => {
      return new Promise<CheckOutcome>((resolve, reject) => {
        const socket = connect({ host, port, signal: inner });
        socket.once('connect', () => {
          socket.destroy();
          resolve({ status: 'pass', observedValue: clock.now() - started, observedUnit: 'ms' });
        });
        socket.once('error', (e) => {
          socket.destroy();
          reject(e);
        });
      });
    });
}

/** The part of a `pg` Pool (or Client) that {@link pgProbe} uses. */
export interface PgQueryable {
  /** Runs `sql` (the probe's `sql` option, default `SELECT 1`); the probe passes when it resolves. */
  query(sql: string): Promise<unknown>;
}

/** The part of a Redis client (ioredis, node-redis v4+) that {@link redisProbe} uses. */
export interface RedisPingable {
  /** Sends `PING`; the probe passes when it resolves. */
  ping(): Promise<unknown>;
}

/** Options of {@link pgProbe} and {@link redisProbe}. */
export interface ClientProbeOptions {
  /** Query used by {@link pgProbe}. Default `SELECT 1`. */
  sql?: string;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

const CLIENT_HINTS: Record<string, string> = {
  timeout: 'set `timeoutMs` on the check: the monitor aborts the run',
  timeoutMs: 'set `timeoutMs` on the check: the monitor aborts the run',
  query: 'use `sql`',
};

/**
 * A PostgreSQL probe over a duck-typed pool: passes when `pool.query('SELECT 1')` resolves.
 * `observedValue` = round-trip time (ms). The query is not cancelled on abort (pg has no per-query
 * signal); the monitor still counts a timed-out run as a failure.
 *
 * @throws {TypeError} when `pool` has no `query` method.
 */
export function pgProbe(pool: PgQueryable, options: ClientProbeOptions = {}): CheckFunction {
  if (typeof pool !== 'object' || pool === null) throw new TypeError(`Expected \`pool\` to be a pg Pool, got ${describeValue(pool)}`);
  assertFunction('pool.query', pool.query);
  assertOptions('pgProbe options', options, ['sql', 'clock'], CLIENT_HINTS);
  const sql = options.sql ?? 'SELECT 1';
  if (typeof sql !== 'string' || sql === '') throw new TypeError(`Expected \`sql\` to be a non-empty string, got ${describeValue(sql)}`);
  const clock = options.clock ?? systemClock;
  assertClock('clock', clock, ['now']);
  return async (signal) => {
    const started = clock.now();
    await abortable(pool.query(sql), signal);
    return { status: 'pass', observedValue: clock.now() - started, observedUnit: 'ms' };
  };
}

/**
 * A Redis probe over a duck-typed client: passes when `client.ping()` resolves (to `PONG`; any other
 * reply is a `warn`). `observedValue` = round-trip time (ms).
 *
 * @throws {TypeError} when `client` has no `ping` method.
 */
export function redisProbe(client: RedisPingable, options: ClientProbeOptions = {}): CheckFunction {
  if (typeof client !== 'object' || client === null)
    throw new TypeError(`Expected \`client\` to be a Redis client, got ${describeValue(client)}`);
  assertFunction('client.ping', client.ping);
  assertOptions('redisProbe options', options, ['sql', 'clock'], CLIENT_HINTS);
  const clock = options.clock ?? systemClock;
  assertClock('clock', clock, ['now']);
  return async (signal) => {
    const started = clock.now();
    const reply = await abortable(client.ping(), signal);
    const observedValue = clock.now() - started;
    if (reply === 'PONG') return { status: 'pass', observedValue, observedUnit: 'ms' };
    return { status: 'warn', observedValue, observedUnit: 'ms', output: `unexpected PING reply ${describeValue(reply)}` };
  };
}

/** Rejects with the signal's reason when it aborts first. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Runs `op` with a signal aborted by the outer signal or after `timeoutMs`, whichever comes first. */
function withDeadline<T>(
  clock: Clock,
  outer: AbortSignal,
  timeoutMs: number,
  what: string,
  op: (signal: AbortSignal, started: number) => Promise<T>,
): Promise<T> {
  if (outer.aborted) return Promise.reject(outer.reason);
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer.reason);
  outer.addEventListener('abort', onAbort, { once: true });
  const timer: TimerHandle = clock.setTimeout(
    () => controller.abort(new TimeoutError(`${what} timed out after ${timeoutMs} ms`, timeoutMs)),
    timeoutMs,
  );
  const started = clock.now();
  const cleanup = () => {
    clock.clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  };
  return op(controller.signal, started).then(
    (v) => {
      cleanup();
      return v;
    },
    (e: unknown) => {
      cleanup();
      // Node reports an aborted request as an AbortError whose cause is the reason.
      throw controller.signal.aborted ? controller.signal.reason : e;
    },
  );
}
