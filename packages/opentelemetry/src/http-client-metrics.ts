import { tracingChannel } from 'node:diagnostics_channel';
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { assertOptions, DEFAULT_DURATION_BUCKETS_SECONDS, describeValue, serverOfMember } from '@scaling/core/internal';

/** Options of {@link recordHttpClientMetrics}. */
export interface RecordHttpClientMetricsOptions {
  /** The meter that creates the `http.client.request.duration` histogram (e.g. `metrics.getMeter('my-app')`). Required. */
  meter: Meter;
}

const KNOWN = ['meter'] as const;
const CHANNEL = 'scaling:http-client:request';

/** The methods the HTTP semantic conventions know; any other is recorded as `_OTHER`. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

type Context = Record<string, unknown>;

/** `server.address` / `server.port` of a URL origin (`http://orders`, `https://10.0.0.7:8443`), or `undefined`. */
function serverOf(origin: unknown): { address: string; port: number } | undefined {
  return typeof origin === 'string' ? serverOfMember(origin) : undefined;
}

/**
 * The attributes of one finished request, as the HTTP client metric conventions ask: method, server,
 * status code when a response arrived, `error.type` when it failed (error code, else error name) or
 * when the status is an error (4xx/5xx, as the status code string).
 */
function requestAttributes(ctx: Context): Attributes {
  const method = typeof ctx.method === 'string' ? ctx.method.toUpperCase() : '';
  const attributes: Attributes = { 'http.request.method': KNOWN_METHODS.has(method) ? method : '_OTHER' };
  // The logical origin the caller asked for (as on the span); the endpoint only when that is no URL.
  const server = serverOf(ctx.origin) ?? serverOf(ctx.endpoint);
  if (server !== undefined) {
    attributes['server.address'] = server.address;
    attributes['server.port'] = server.port;
  }
  const status = ctx.statusCode;
  if (typeof status === 'number') attributes['http.response.status_code'] = status;
  const error = ctx.error;
  if (error !== undefined && error !== null) {
    const code = (error as { code?: unknown }).code;
    attributes['error.type'] =
      typeof code === 'string' && code !== '' ? code : error instanceof Error && error.name !== '' ? error.name : '_OTHER';
  } else if (typeof status === 'number' && status >= 400) attributes['error.type'] = String(status);
  return attributes;
}

/**
 * Records the OpenTelemetry semantic-convention metric `http.client.request.duration` (a histogram in
 * seconds, unit `s`) for every request of every `@scaling/http-client` `BalancedDispatcher` in the
 * process, from the tracing channel `scaling:http-client:request`: one value per request, from the
 * channel's `start` to the request's end (its `asyncEnd`: the response body read to its end, or the
 * failure) — retries and hedges included, as the caller waited for them — with the attributes the
 * convention requires:
 *
 * | attribute | value |
 * |---|---|
 * | `http.request.method` | the method, upper case; `_OTHER` for a method the conventions do not list |
 * | `server.address`, `server.port` | of the request's origin (`fetch('http://orders/items', { dispatcher })` → `orders`, 80), as on the span of {@link traceScalingChannels}; the answering endpoint's only when the origin is not a URL |
 * | `http.response.status_code` | when a response arrived |
 * | `error.type` | on failure: the error's `code` (`UND_ERR_CONNECT_TIMEOUT`, `ECONNREFUSED`, `SCALING_TIMEOUT`, …), else its `name`, else `_OTHER`; for a 4xx/5xx response, the status code as a string |
 *
 * Source: OpenTelemetry semantic conventions for HTTP client metrics (`http.client.request.duration`,
 * stable), and `@opentelemetry/instrumentation-undici`, which records the same metric from undici's own
 * diagnostics channels. That instrumentation sees each **attempt** the dispatcher sends to an endpoint's
 * pool (`server.address` = the endpoint); this function sees each **request** of the caller (`server.address` =
 * the logical origin). Run one of the two for this metric, or tell the series apart by `server.address`.
 * The per-endpoint, per-attempt histogram of `stats()` is exported by {@link StatsInstruments} as
 * `scaling.http_client.endpoint.request_duration`.
 *
 * Opt-in like {@link traceScalingChannels}: nothing is subscribed until this is called, and with no
 * subscriber the channel costs the dispatcher nothing; subscribing turns it on for every dispatcher in
 * the process. Nothing is kept per dispatcher, only per running request. The histogram is created with
 * the boundaries {@link DEFAULT_DURATION_BUCKETS} as advice (a View overrides them). Returns a function
 * that unsubscribes (idempotent).
 *
 * @throws {TypeError} on an unknown option or a missing or invalid `meter`.
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { recordHttpClientMetrics } from '@scaling/opentelemetry';
 *
 * const stop = recordHttpClientMetrics({ meter: metrics.getMeter('my-app') });
 * // … every balanced request now records http.client.request.duration
 * stop();
 * ```
 */
export function recordHttpClientMetrics(options: RecordHttpClientMetricsOptions): () => void {
  const o = assertOptions('recordHttpClientMetrics options', options, KNOWN);
  const meter = o.meter;
  if (typeof meter !== 'object' || meter === null || typeof meter.createHistogram !== 'function')
    throw new TypeError(`Expected \`meter\` to be an OpenTelemetry Meter, got ${describeValue(meter)}`);
  const histogram: Histogram = meter.createHistogram('http.client.request.duration', {
    description: 'Duration of HTTP client requests.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DEFAULT_DURATION_BUCKETS_SECONDS] },
  });
  /** Start time (ms, `performance.now()`) of each running request, keyed by its tracing context object. */
  const running = new WeakMap<object, number>();
  const finish = (ctx: Context): void => {
    const startMs = running.get(ctx);
    if (startMs === undefined) return;
    running.delete(ctx);
    histogram.record((performance.now() - startMs) / 1000, requestAttributes(ctx));
  };
  const handlers = {
    start(message: unknown) {
      if (typeof message === 'object' && message !== null) running.set(message, performance.now());
    },
    end(message: unknown) {
      // A request that completed or failed synchronously ends here; otherwise on asyncEnd.
      if (typeof message === 'object' && message !== null && ('result' in message || 'error' in message)) finish(message as Context);
    },
    asyncStart() {},
    asyncEnd(message: unknown) {
      if (typeof message === 'object' && message !== null) finish(message as Context);
    },
    error() {},
  };
  const channel = tracingChannel(CHANNEL);
  channel.subscribe(handlers);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    channel.unsubscribe(handlers);
  };
}
