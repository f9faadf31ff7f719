// The `pool` option of a balanced dispatcher: the undici 7 `Pool`/`Client` options passed as they are to
// each endpoint's `Pool`, checked by name (undici itself ignores unknown names, and reports some bad ones only
// at the first request), with hints for undici's retired names and other clients' names, and the options the
// dispatcher cannot pass on refused with the reason.
import { assertOptions, describeValue } from '@scaling/core/internal';

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
 * Checks the `pool` option: a plain object whose keys are undici `Pool`/`Client` option names.
 * @throws {TypeError} when it is not a plain object, on an unknown name (with a hint for a near miss), or on
 *   a name in {@link POOL_REFUSED} (with the reason).
 */
export function assertPoolOptions(pool: unknown): void {
  if (pool === undefined) return;
  const proto = typeof pool === 'object' && pool !== null ? Object.getPrototypeOf(pool) : undefined;
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(`Expected \`pool\` to be a plain object of undici Pool options, got ${describeValue(pool)}`);
  for (const key of Object.keys(pool as object)) {
    const reason = POOL_REFUSED[key];
    if (reason !== undefined) throw new TypeError(`Option \`pool.${key}\` is not accepted by the balanced dispatcher: ${reason}`);
  }
  assertOptions('`pool` (undici Pool options)', pool as object, POOL_KEYS, POOL_HINTS);
}
