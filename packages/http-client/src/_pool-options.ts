// The `pool` option of a balanced dispatcher: the undici 7 `Pool`/`Client` options passed as they are to
// each endpoint's `Pool`, checked by name (undici itself ignores unknown names, and reports some bad ones only
// at the first request), with hints for undici's retired names and other clients' names, the options the
// dispatcher cannot pass on refused with the reason, and the numeric ones checked here so that a bad value is
// reported as `pool.<name>` (undici says only "invalid connections").
import {
  assertNonNegativeFinite,
  assertNonNegativeInteger,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from '@scaling/core/internal';

/**
 * The option names of undici 7's `Pool.Options` and the `Client.Options` it extends (`types/pool.d.ts`,
 * `types/client.d.ts` of undici 7.30), except the ones typed `never` (retired, in {@link POOL_HINTS}) and
 * the ones in {@link POOL_REFUSED}.
 */
export const POOL_KEYS = [
  // Pool.Options
  'connections',
  'clientTtl',
  'factory',
  // Client.Options
  'maxHeaderSize',
  'headersTimeout',
  'connectTimeout',
  'bodyTimeout',
  'keepAliveTimeout',
  'keepAliveMaxTimeout',
  'keepAliveTimeoutThreshold',
  'pipelining',
  'strictContentLength',
  'maxCachedSessions',
  'connect',
  'maxRequestsPerClient',
  'localAddress',
  'maxResponseSize',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  'allowH2',
  'maxConcurrentStreams',
  'initialWindowSize',
  'connectionWindowSize',
  'pingInterval',
  'webSocket',
  'eventSource',
];

/** undici options a balanced dispatcher does not pass on, with the reason. */
export const POOL_REFUSED: Readonly<Record<string, string>> = {
  socketPath: 'every endpoint would connect to that one socket; each endpoint connects to its own origin',
  interceptors: 'undici 7 ignores it; compose interceptors around the dispatcher with `dispatcher.compose(…)`',
};

/**
 * `connect` options (undici's connector passes them to `net.connect`/`tls.connect`) that would send every
 * endpoint's connections to one Unix socket, as `socketPath` does.
 */
const CONNECT_REFUSED: Readonly<Record<string, string>> = {
  socketPath: POOL_REFUSED.socketPath as string,
  path: 'undici passes it to `net.connect` as a Unix socket path (like `socketPath`): every endpoint would connect to that one socket',
};

/** The check of an integer ≥ `min` (undici's `maxResponseSize` and `autoSelectFamilyAttemptTimeout` take -1). */
const integerFrom =
  (min: number) =>
  (name: string, value: unknown): void => {
    const message = `Expected \`${name}\` to be an integer ≥ ${min}, got ${describeValue(value)}`;
    if (typeof value !== 'number') throw new TypeError(message);
    if (!Number.isInteger(value) || value < min) throw new RangeError(message);
  };

/**
 * The numeric undici options and the check of each: the ranges of undici 7.30's own checks
 * (`lib/dispatcher/client.js`, `pool.js`, `lib/core/connect.js`), a number ≥ 0 for `clientTtl` and an integer
 * ≥ 0 for `pipelining` (which undici does not check), an integer for `maxConcurrentStreams` (which it lets be a
 * fraction). `null` is left to undici, which reads it as "not set".
 */
export const POOL_NUMBERS: Readonly<Record<string, (name: string, value: unknown) => void>> = {
  connections: assertNonNegativeFinite,
  clientTtl: assertNonNegativeFinite,
  pipelining: assertNonNegativeInteger,
  maxHeaderSize: assertPositiveInteger,
  headersTimeout: assertNonNegativeInteger,
  bodyTimeout: assertNonNegativeInteger,
  connectTimeout: assertNonNegativeFinite,
  keepAliveTimeout: assertPositiveFinite,
  keepAliveMaxTimeout: assertPositiveFinite,
  maxCachedSessions: assertNonNegativeInteger,
  maxRequestsPerClient: assertNonNegativeInteger,
  maxResponseSize: integerFrom(-1),
  autoSelectFamilyAttemptTimeout: integerFrom(-1),
  maxConcurrentStreams: assertPositiveInteger,
  initialWindowSize: assertPositiveInteger,
  connectionWindowSize: assertPositiveInteger,
  pingInterval: assertNonNegativeInteger,
};

/** Names undici retired (typed `never`; undici throws on most of them at the first request) and other clients' names. */
export const POOL_HINTS: Readonly<Record<string, string>> = {
  keepAlive: 'undici keeps connections alive by default; `pipelining: 0` turns it off',
  socketTimeout: 'use `headersTimeout` and `bodyTimeout` (ms)',
  requestTimeout: "use `headersTimeout` and `bodyTimeout` (ms), or the dispatcher's `attemptTimeoutMs`/`timeoutMs`",
  idleTimeout: 'use `keepAliveTimeout` (ms)',
  maxKeepAliveTimeout: 'use `keepAliveMaxTimeout` (ms)',
  tls: 'use `connect` (TLS options such as `ca`, `servername`, `rejectUnauthorized` go there)',
  maxSockets: 'use `connections`',
  maxConnections: 'use `connections`',
  connectionLimit: 'use `connections`',
  keepAliveMsecs: 'use `keepAliveTimeout` (ms)',
  http2: 'use `allowH2`',
  timeout: "use `headersTimeout`/`bodyTimeout` (ms), or the dispatcher's `attemptTimeoutMs`/`timeoutMs`",
  attemptTimeoutMs: 'a dispatcher option: give it next to `pool`, not inside',
  timeoutMs: 'a dispatcher option: give it next to `pool`, not inside',
};

/**
 * Checks the `pool` option: a plain object whose keys are undici `Pool`/`Client` option names, with valid
 * numbers.
 * @throws {TypeError} when it is not a plain object, on an unknown name (with a hint for a near miss), on a
 *   name in {@link POOL_REFUSED} (with the reason), on `connect.socketPath` or `connect.path` when `connect` is
 *   an object, or on a non-number where a number is expected; {@link RangeError} on a number out of the range
 *   undici accepts. Every message names the option as `pool.<name>`.
 */
export function assertPoolOptions(pool: unknown): void {
  if (pool === undefined) return;
  const proto = typeof pool === 'object' && pool !== null ? Object.getPrototypeOf(pool) : undefined;
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(`Expected \`pool\` to be a plain object of undici Pool options, got ${describeValue(pool)}`);
  const p = pool as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(p)) {
    // new-user review, 2026-12: an own `__proto__` key (JSON.parse) found Object.prototype here: "…: [object Object]"
    if (Object.hasOwn(POOL_REFUSED, key))
      throw new TypeError(`Option \`pool.${key}\` is not accepted by the balanced dispatcher: ${POOL_REFUSED[key]}`);
  }
  assertOptions('`pool` (undici Pool options)', p, POOL_KEYS, POOL_HINTS);
  // new-user review, 2026-12: `connect: { socketPath }` got around the `socketPath` refusal
  const connect = p.connect;
  if (typeof connect === 'object' && connect !== null)
    for (const key of Object.keys(CONNECT_REFUSED))
      if (Object.hasOwn(connect, key))
        throw new TypeError(`Option \`pool.connect.${key}\` is not accepted by the balanced dispatcher: ${CONNECT_REFUSED[key]}`);
  // new-user review, 2026-12: `connections: 'four'` got undici's bare "invalid connections"
  for (const key of Object.keys(POOL_NUMBERS)) {
    const value = p[key];
    if (value !== undefined && value !== null) (POOL_NUMBERS[key] as (name: string, value: unknown) => void)(`pool.${key}`, value);
  }
}
