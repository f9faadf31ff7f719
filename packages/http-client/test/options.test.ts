import { OutlierDetector } from '@scaling/health';
import { RoundRobin } from '@scaling/load-balancer';
import type { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { OUTLIER_KEYS } from '../src/_outlier-options.js';
import { POOL_HINTS, POOL_KEYS, POOL_NUMBERS, POOL_REFUSED } from '../src/_pool-options.js';
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

describe('new-user review, 2026-12: error messages', () => {
  it('new-user review, 2026-12: an unknown `outlierDetection` key lists the accepted keys, not the refused `target`/`endpoints`', () => {
    const bad = make({ endpoints: ['http://a'], outlierDetection: { consecutiveFailure: 3 } });
    expect(bad).toThrow(TypeError);
    expect(bad).toThrow(/^Unknown option `consecutiveFailure` in `outlierDetection`; expected one of: `consecutiveFailures`, /);
    let message = '';
    try {
      bad();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toMatch(/`target`|`endpoints`/);
    // Envoy's names keep a hint
    expect(make({ endpoints: ['http://a'], outlierDetection: { interval: 10_000 } })).toThrow(/`interval`.*use `intervalMs`/);
    expect(make({ endpoints: ['http://a'], outlierDetection: { consecutive_5xx: 3 } })).toThrow(/use `consecutiveFailures`/);
    // every key listed is one the detector accepts
    for (const key of OUTLIER_KEYS) expect(() => new OutlierDetector({ target: { setHealthy() {} }, [key]: undefined }), key).not.toThrow();
    expect(OUTLIER_KEYS).not.toContain('target');
    expect(OUTLIER_KEYS).not.toContain('endpoints');
  });

  it('new-user review, 2026-12: an own `__proto__` key in `pool` (JSON.parse) is named clearly, not "…: [object Object]"', () => {
    const pool = JSON.parse('{"__proto__": {"connections": 4}}') as unknown;
    const bad = make({ endpoints: ['http://a'], pool });
    expect(bad).toThrow(TypeError);
    expect(bad).toThrow(/^Unknown option `__proto__` in `pool` \(undici Pool options\) \(an own `__proto__` key, as JSON\.parse makes/);
    expect(bad).not.toThrow(/\[object Object\]/);
    // other names Object.prototype has are unknown names too, without its members as a "reason"
    expect(make({ endpoints: ['http://a'], pool: { constructor: 1 } })).toThrow(
      /^Unknown option `constructor` in `pool` \(undici Pool options\); /,
    );
    expect(make({ endpoints: ['http://a'], outlierDetection: JSON.parse('{"__proto__": {}}') })).toThrow(
      /`__proto__` in `outlierDetection`/,
    );
  });

  it('new-user review, 2026-12: `pool.connect.socketPath` (and `path`) are refused like `pool.socketPath`', () => {
    expect(make({ endpoints: ['http://a'], pool: { connect: { socketPath: '/tmp/x.sock' } } })).toThrow(
      /^Option `pool\.connect\.socketPath` is not accepted by the balanced dispatcher: every endpoint would connect to that one socket/,
    );
    expect(make({ endpoints: ['http://a'], pool: { connect: { path: '/tmp/x.sock' } } })).toThrow(
      /`pool\.connect\.path` is not accepted.*Unix socket/,
    );
    expect(make({ endpoints: ['http://a'], pool: { connect: { socketPath: '/tmp/x.sock' } } })).toThrow(TypeError);
  });

  it('new-user review, 2026-12: a `connect` object without a socket, and a `connect` function, construct', async () => {
    const a = createBalancedDispatcher({
      endpoints: ['http://127.0.0.1:1'],
      pool: { connect: { servername: 'a.internal', timeout: 500 } },
    });
    await a.close();
    const connect: Pool.Options['connect'] = (_opts, callback) => callback(new Error('not used'), null);
    const b = createBalancedDispatcher({ endpoints: ['http://127.0.0.1:1'], pool: { connect } });
    await b.close();
  });

  it('new-user review, 2026-12: a bad hedge quantile reports the range as "(0, 1]", not "[5e-324, 1]"', () => {
    for (const quantile of [2, 0, -0.5])
      expect(make({ endpoints: ['http://a'], hedge: { delay: { quantile, initialMs: 10 } } })).toThrow(
        new RegExp(`^Expected \`hedge\\.delay\\.quantile\` to be a number in \\(0, 1\\], got ${quantile}$`),
      );
  });

  it.each([
    ['connections', 'four', TypeError, /^Expected `pool\.connections` to be a non-negative number, got "four"$/],
    ['connections', -1, RangeError, /^Expected `pool\.connections` to be a non-negative finite number, got -1$/],
    ['pipelining', 1.5, RangeError, /`pool\.pipelining` to be a non-negative integer/],
    ['keepAliveTimeout', 0, RangeError, /`pool\.keepAliveTimeout` to be a positive finite number, got 0/],
    ['keepAliveMaxTimeout', '10s', TypeError, /`pool\.keepAliveMaxTimeout`/],
    ['headersTimeout', -1, RangeError, /`pool\.headersTimeout` to be a non-negative integer/],
    ['bodyTimeout', Number.NaN, RangeError, /`pool\.bodyTimeout`/],
    ['connectTimeout', Number.POSITIVE_INFINITY, RangeError, /`pool\.connectTimeout` to be a non-negative finite number/],
    ['maxHeaderSize', 0, RangeError, /`pool\.maxHeaderSize` to be a positive integer/],
    ['maxResponseSize', -2, RangeError, /`pool\.maxResponseSize` to be an integer ≥ -1, got -2/],
    ['maxResponseSize', '1mb', TypeError, /`pool\.maxResponseSize` to be an integer ≥ -1, got "1mb"/],
  ])(
    'new-user review, 2026-12: `pool.%s: %s` is an error naming `pool.<name>` (was undici\'s bare "invalid …")',
    (name, value, type, message) => {
      expect(make({ endpoints: ['http://a'], pool: { [name]: value } })).toThrow(type);
      expect(make({ endpoints: ['http://a'], pool: { [name]: value } })).toThrow(message);
    },
  );

  it('new-user review, 2026-12: every numeric pool option is checked under its `pool.<name>`, and the limits undici accepts construct', async () => {
    for (const name of Object.keys(POOL_NUMBERS)) {
      expect(POOL_KEYS, name).toContain(name);
      expect(make({ endpoints: ['http://a'], pool: { [name]: 'x' } }), name).toThrow(new RegExp(`^Expected \`pool\\.${name}\``));
    }
    const d = createBalancedDispatcher({
      endpoints: ['http://127.0.0.1:1'],
      pool: {
        connections: null,
        pipelining: 0,
        headersTimeout: 0,
        bodyTimeout: 0,
        connectTimeout: 0,
        keepAliveTimeout: 0.5,
        maxResponseSize: -1,
        autoSelectFamilyAttemptTimeout: -1,
        maxRequestsPerClient: 0,
        clientTtl: 0,
        pingInterval: 0,
      },
    });
    await d.close();
  });
});
