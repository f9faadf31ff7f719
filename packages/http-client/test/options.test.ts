import { RoundRobin } from '@scaling/load-balancer';
import type { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { POOL_HINTS, POOL_KEYS, POOL_REFUSED } from '../src/_pool-options.js';
import { type BalancedDispatcherOptions, createBalancedDispatcher, EndpointsFailedError, type HttpEndpoint } from '../src/index.js';

const make = (options: unknown) => () => createBalancedDispatcher(options as BalancedDispatcherOptions);

describe('bad input is rejected at construction', () => {
  it.each([
    ['not a url', /origin like/],
    ['10.0.0.1:8080', /http: or https:|origin like/],
    ['ftp://10.0.0.1', /http: or https:/],
    ['http://10.0.0.1/api', /without credentials, path/],
    ['http://user:pw@10.0.0.1', /without credentials/],
    ['http://10.0.0.1?x=1', /query/],
    [42, /origin string/],
    [{ url: 'http://a' }, /Unknown option `endpoints\[0\]\.url`/],
  ])('malformed origin %j', (origin, message) => {
    expect(make({ endpoints: [origin] })).toThrow(message);
    expect(make({ endpoints: [origin] })).toThrow(TypeError);
  });

  it('duplicate endpoints, also after normalisation', () => {
    expect(make({ endpoints: ['http://a:80', 'http://a'] })).toThrow(/no duplicates, got "http:\/\/a" twice/);
    expect(make({ endpoints: ['http://a', { origin: 'http://A/' }] })).toThrow(TypeError);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '2'])('weight %j', (weight) => {
    expect(make({ endpoints: [{ origin: 'http://a', weight }] })).toThrow(/`endpoints\[0\]\.weight` to be a finite number > 0/);
  });

  it('unknown options, with hints for names from other libraries', () => {
    expect(make({ endpoints: [], upstreams: [] })).toThrow(/upstreams.*use `endpoints`/s);
    expect(make({ endpoints: [], timeout: 5 })).toThrow(/timeoutMs/);
    expect(make({ endpoints: [], retry: { retries: 2 } })).toThrow(/maxAttempts/);
    expect(make(null)).toThrow(TypeError);
    expect(make({ endpoints: 'http://a' })).toThrow(/`endpoints` to be an array/);
  });

  it('bad values', () => {
    expect(make({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(make({ attemptTimeoutMs: -1 })).toThrow(/attemptTimeoutMs/);
    expect(make({ retry: { maxAttempts: 0 } })).toThrow(/retry\.maxAttempts/);
    expect(make({ retry: { budget: {} } })).toThrow(/retry\.budget/);
    expect(make({ retry: { methods: 'GET' } })).toThrow(/retry\.methods/);
    expect(make({ retry: { idempotencyKeyHeader: '' } })).toThrow(/idempotencyKeyHeader/);
    expect(make({ deadlineHeader: 3 })).toThrow(/deadlineHeader/);
    // new-user review: a name that is not an HTTP token was accepted, then every request failed
    expect(make({ deadlineHeader: 'bad header' })).toThrow(/deadlineHeader/);
    expect(make({ deadlineHeader: 'x:y' })).toThrow(/deadlineHeader/);
    expect(make({ balancer: {} })).toThrow(/balancer/);
    expect(make({ balancer: new RoundRobin<HttpEndpoint>({ endpoints: [{ id: 'x', origin: 'http://x' }] }) })).toThrow(/empty/);
    expect(make({ isFailure: true })).toThrow(/isFailure/);
    expect(make({ discover: [] })).toThrow(/discover/);
    expect(make({ discoverIntervalMs: 0 })).toThrow(/discoverIntervalMs/);
    expect(make({ pool: 3 })).toThrow(/pool/);
  });

  it('bad health check options', () => {
    expect(make({ healthCheck: { interval: 5 } })).toThrow(/Unknown.*healthCheck.*interval.*intervalMs/s);
    expect(make({ healthCheck: { url: 'http://a/healthz' } })).toThrow(/`path`/);
    expect(make({ healthCheck: { path: 'healthz' } })).toThrow(/`healthCheck\.path` to be a path starting with "\/"/);
    expect(make({ healthCheck: { intervalMs: 0 } })).toThrow(/healthCheck\.intervalMs/);
    expect(make({ healthCheck: { timeoutMs: -1 } })).toThrow(/healthCheck\.timeoutMs/);
    expect(make({ healthCheck: { unhealthyThreshold: 1.5 } })).toThrow(/healthCheck\.unhealthyThreshold/);
    expect(make({ healthCheck: { healthyThreshold: 0 } })).toThrow(/healthCheck\.healthyThreshold/);
    expect(make({ healthCheck: { expectStatus: [200] } })).toThrow(/healthCheck\.expectStatus/);
    expect(make({ healthCheck: { expectStatus: [300, 200] } })).toThrow(/healthCheck\.expectStatus\[1\]/);
    expect(make({ healthCheck: { method: 'GET /x' } })).toThrow(/healthCheck\.method/);
    expect(make({ healthCheck: { headers: 'x' } })).toThrow(/healthCheck\.headers/);
    expect(make({ healthCheck: { jitterMs: -1 } })).toThrow(/healthCheck\.jitterMs/);
    expect(make({ healthCheck: 'yes' })).toThrow(TypeError);
    expect(make({ healthChecks: {} })).toThrow(/healthCheck/);
  });

  it('bad hedge options', () => {
    expect(make({ hedge: {} })).toThrow(/hedge\.delay/);
    expect(make({ hedge: { delay: -1 } })).toThrow(/hedge\.delay/);
    expect(make({ hedge: { delay: 'p95' } })).toThrow(/`hedge\.delay` to be a number of ms or \{ quantile, initialMs \}/);
    expect(make({ hedge: { delay: { quantile: 1.5, initialMs: 10 } } })).toThrow(/hedge\.delay\.quantile/);
    expect(make({ hedge: { delay: { quantile: 0.9 } } })).toThrow(/hedge\.delay\.initialMs/);
    expect(make({ hedge: { delay: { quantile: 0.9, initialMs: 5, minSamples: 1000 } } })).toThrow(/minSamples/);
    expect(make({ hedge: { delay: { quantile: 0.9, initialMs: 5, p: 1 } } })).toThrow(/Unknown/);
    expect(make({ hedge: { delay: 10, maxHedges: 0 } })).toThrow(/hedge\.maxHedges/);
    expect(make({ hedge: { delay: 10, budget: {} } })).toThrow(/hedge\.budget/);
    expect(make({ hedge: { delay: 10, maxAttempts: 2 } })).toThrow(/maxHedges/);
    expect(make({ hedging: { delay: 10 } })).toThrow(/use `hedge/);
    expect(make({ outlierDetection: 'on' })).toThrow(/outlierDetection/);
  });

  it('good health and hedge options construct', async () => {
    const d = createBalancedDispatcher({
      endpoints: ['http://127.0.0.1:1'],
      healthCheck: { path: '/ready', intervalMs: 60_000, expectStatus: [200, 204], headers: { 'x-probe': '1' } },
      hedge: { delay: { quantile: 0.95, initialMs: 50 }, maxHedges: 2 },
    });
    await d.close();
  });

  it('EndpointsFailedError names the endpoints and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new EndpointsFailedError(['http://a', 'http://b'], cause);
    expect(e.name).toBe('EndpointsFailedError');
    expect(e.message).toBe('Request failed on every endpoint tried (http://a, http://b): ECONNREFUSED');
    expect(e.cause).toBe(cause);
    expect(new EndpointsFailedError([]).message).toBe('No endpoint available for the request');
  });
});

/**
 * Every option name of undici's `Pool.Options` (with the `Client.Options` it extends): the literal must list
 * exactly `keyof Pool.Options`, so an undici upgrade that adds or drops a name fails the typecheck here.
 */
const UNDICI_POOL_NAMES: Record<keyof Pool.Options, true> = {
  connections: true,
  clientTtl: true,
  factory: true,
  interceptors: true,
  maxHeaderSize: true,
  headersTimeout: true,
  socketTimeout: true,
  requestTimeout: true,
  connectTimeout: true,
  bodyTimeout: true,
  idleTimeout: true,
  keepAlive: true,
  keepAliveTimeout: true,
  maxKeepAliveTimeout: true,
  keepAliveMaxTimeout: true,
  keepAliveTimeoutThreshold: true,
  socketPath: true,
  pipelining: true,
  tls: true,
  strictContentLength: true,
  maxCachedSessions: true,
  connect: true,
  maxRequestsPerClient: true,
  localAddress: true,
  maxResponseSize: true,
  autoSelectFamily: true,
  autoSelectFamilyAttemptTimeout: true,
  allowH2: true,
  maxConcurrentStreams: true,
  initialWindowSize: true,
  connectionWindowSize: true,
  pingInterval: true,
  webSocket: true,
  eventSource: true,
};

describe('new-user review, 2026-12: options that were accepted unchecked', () => {
  it('new-user review, 2026-12: `pool` must be a plain object of undici Pool/Client option names', () => {
    expect(make({ endpoints: [], pool: [] })).toThrow(/`pool` to be a plain object of undici Pool options, got/);
    expect(make({ endpoints: [], pool: new Map() })).toThrow(/`pool` to be a plain object/);
    expect(make({ endpoints: [], pool: null })).toThrow(/`pool` to be a plain object/);
    // a typo: the message names the key and lists the valid names
    expect(make({ endpoints: [], pool: { conections: 4 } })).toThrow(/Unknown option `conections` in `pool`.*`connections`/s);
    expect(make({ endpoints: [], pool: { conections: 4 } })).toThrow(TypeError);
    // near misses: undici's retired names and other clients' names get a hint
    expect(make({ endpoints: [], pool: { keepAlive: true } })).toThrow(/`keepAlive`.*pipelining: 0/);
    expect(make({ endpoints: [], pool: { tls: { rejectUnauthorized: false } } })).toThrow(/`tls`.*use `connect`/);
    expect(make({ endpoints: [], pool: { idleTimeout: 1_000 } })).toThrow(/use `keepAliveTimeout`/);
    expect(make({ endpoints: [], pool: { maxSockets: 8 } })).toThrow(/use `connections`/);
    expect(make({ endpoints: [], pool: { timeoutMs: 8 } })).toThrow(/a dispatcher option/);
  });

  it('new-user review, 2026-12: `pool.socketPath` and `pool.interceptors` are refused with the reason', () => {
    expect(make({ endpoints: ['http://a'], pool: { socketPath: '/tmp/s.sock' } })).toThrow(
      /`pool\.socketPath` is not accepted by the balanced dispatcher: every endpoint would connect to that one socket/,
    );
    expect(make({ endpoints: [], pool: { interceptors: { Pool: [] } } })).toThrow(/`pool\.interceptors` is not accepted.*compose/);
  });

  it('new-user review, 2026-12: every undici Pool/Client option name is passed through, refused or hinted', () => {
    const names = Object.keys(UNDICI_POOL_NAMES);
    for (const name of names) expect(POOL_KEYS.includes(name) || name in POOL_REFUSED || name in POOL_HINTS, name).toBe(true);
    // and nothing is passed through that undici does not know
    for (const name of POOL_KEYS) expect(names, name).toContain(name);
  });

  it('new-user review, 2026-12: valid undici Pool options construct', async () => {
    const d = createBalancedDispatcher({
      endpoints: ['http://127.0.0.1:1'],
      pool: {
        connections: 4,
        pipelining: 1,
        headersTimeout: 1_000,
        bodyTimeout: 1_000,
        keepAliveTimeout: 2_000,
        connect: { rejectUnauthorized: true },
        allowH2: false,
      },
    });
    await d.close();
    const bare = createBalancedDispatcher({
      endpoints: ['http://127.0.0.1:1'],
      pool: Object.assign(Object.create(null), { connections: 1 }),
    });
    await bare.close();
  });

  it('new-user review, 2026-12: `endpoints` and `discover` together are a TypeError (discovery replaced the static list silently)', () => {
    const discover = () => ['http://10.0.0.2:8080'];
    expect(make({ endpoints: ['http://10.0.0.1:8080'], discover })).toThrow(/either `endpoints` or `discover`, not both/);
    expect(make({ endpoints: ['http://10.0.0.1:8080'], discover })).toThrow(TypeError);
    expect(make({ endpoints: [], discover })).toThrow(/not both/);
  });

  it('new-user review, 2026-12: `outlierDetection.endpoints` and `outlierDetection.target` are refused', () => {
    expect(make({ endpoints: ['http://a'], outlierDetection: { endpoints: ['http://b'] } })).toThrow(
      /`outlierDetection\.endpoints` is not accepted: the dispatcher adds and removes its endpoints itself/,
    );
    expect(make({ endpoints: ['http://a'], outlierDetection: { target: {} } })).toThrow(/`outlierDetection\.target` is not accepted/);
    expect(make({ endpoints: ['http://a'], outlierDetection: { endpoints: [] } })).toThrow(TypeError);
  });
});
