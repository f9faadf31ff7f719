import { tracingChannel } from 'node:diagnostics_channel';
import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { assertOptions, describeValue } from '@scaling/core/internal';

/**
 * The `@scaling/*` tracing channels (`diagnostics_channel.tracingChannel` names, `scaling:<package>:<operation>`)
 * that {@link traceScalingChannels} subscribes to by default, with the context fields each publishes:
 *
 * | channel | operation | context |
 * |---|---|---|
 * | `scaling:cache:load` | a cache loader call (single-flight) | `{ key }` |
 * | `scaling:replica-router:query` | a routed query | `{ sql?, target }` |
 * | `scaling:replica-router-pg:query` | a routed query on a `pg` pool | `{ sql?, target }` |
 * | `scaling:http-client:request` | a balanced HTTP request (its attempts included) | `{ method, origin, path }`, later `endpoint`, `attempts`, `statusCode` |
 * | `scaling:queue:run` | one attempt of a queue task | `{ priority, attempt }` |
 * | `scaling:jobs:run` | one delivery of a job to its handler | `{ id, name, attempt }` |
 * | `scaling:resilience:call` | a call through a circuit breaker | `{ state }` |
 */
export const SCALING_TRACING_CHANNELS: readonly string[] = [
  'scaling:cache:load',
  'scaling:replica-router:query',
  'scaling:replica-router-pg:query',
  'scaling:http-client:request',
  'scaling:queue:run',
  'scaling:jobs:run',
  'scaling:resilience:call',
];

/** Options of {@link traceScalingChannels}. */
export interface TraceScalingChannelsOptions {
  /** The tracer that creates the spans (e.g. `trace.getTracer('my-app')`). Required. */
  tracer: Tracer;
  /** Tracing-channel names to subscribe to (default {@link SCALING_TRACING_CHANNELS}); each `scaling:<package>:<operation>`. */
  channels?: readonly string[];
}

const KNOWN = ['tracer', 'channels'] as const;
const CHANNEL = /^scaling:([a-z0-9-]+):([a-zA-Z0-9-]+)$/;

type Context = Record<string, unknown>;

/** The context's primitive fields as `scaling.<package>.<field>` attributes (`result` and `error` aside). */
function contextAttributes(pkg: string, ctx: Context, into: Attributes): Attributes {
  for (const [k, v] of Object.entries(ctx)) {
    if (k === 'result' || k === 'error') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') into[`scaling.${pkg}.${k}`] = v;
  }
  return into;
}

/** What a span looks like for one channel: its name, kind and attributes from the context object. */
function describe(pkg: string, op: string, ctx: Context): { name: string; kind: SpanKind; attributes: Attributes } {
  const attributes = contextAttributes(pkg, ctx, {});
  if (pkg === 'http-client' && op === 'request') {
    // OpenTelemetry HTTP client span conventions: name is the method; url.full, server.address/port.
    const method = typeof ctx.method === 'string' ? ctx.method.toUpperCase() : 'HTTP';
    attributes['http.request.method'] = method;
    if (typeof ctx.origin === 'string') {
      try {
        const url = new URL(typeof ctx.path === 'string' ? ctx.path : '/', ctx.origin);
        attributes['url.full'] = url.href;
        attributes['server.address'] = url.hostname;
        attributes['server.port'] = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      } catch {
        // Not a URL origin: the scaling.* attributes keep it.
      }
    }
    return { name: method, kind: SpanKind.CLIENT, attributes };
  }
  if (op === 'query' && (pkg === 'replica-router' || pkg === 'replica-router-pg')) {
    if (typeof ctx.sql === 'string') attributes['db.query.text'] = ctx.sql;
    if (pkg === 'replica-router-pg') attributes['db.system.name'] = 'postgresql';
    const target = typeof ctx.target === 'string' ? ` ${ctx.target}` : '';
    return { name: `${pkg} query${target}`, kind: SpanKind.CLIENT, attributes };
  }
  return { name: `${pkg} ${op}`, kind: SpanKind.INTERNAL, attributes };
}

/**
 * Creates OpenTelemetry spans from the `@scaling/*` tracing channels (`node:diagnostics_channel`
 * `TracingChannel`s, named `scaling:<package>:<operation>`; see `docs/monitoring/conventions.md`).
 * Returns a function that unsubscribes (idempotent). With no subscriber a package's tracing channel
 * costs nothing; subscribing turns it on for every instance in the process.
 *
 * A span starts on `start` (child of the context active there), records the exception and an error
 * status on `error`, and ends on `asyncEnd` — or on `end` when the operation completed synchronously
 * (the context already has `result` or `error`, as `traceSync` sets them). Spans are named
 * `<package> <operation>` (kind internal) with the context's primitive fields as `scaling.<package>.<field>`
 * attributes (read again when the span ends, for fields the operation sets while running), except: `scaling:http-client:request` follows the HTTP client span conventions (name =
 * method, kind client, `http.request.method`, `url.full`, `server.address`, `server.port`,
 * `http.response.status_code` from the context's `statusCode` or `result.statusCode`), and the replica-router queries are client
 * spans with `db.query.text` (and `db.system.name: 'postgresql'` for `replica-router-pg`).
 * Spans live only as long as their operation: nothing is kept per instance.
 *
 * @throws {TypeError} on an unknown option, a missing tracer, or a channel name not of the form
 *   `scaling:<package>:<operation>`.
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * import { traceScalingChannels } from '@scaling/opentelemetry';
 *
 * const stop = traceScalingChannels({ tracer: trace.getTracer('my-app') });
 * // … cache loads, routed queries, balanced requests and queue runs now produce spans
 * stop();
 * ```
 */
export function traceScalingChannels(options: TraceScalingChannelsOptions): () => void {
  const o = assertOptions('traceScalingChannels options', options, KNOWN);
  const tracer = o.tracer;
  if (typeof tracer !== 'object' || tracer === null || typeof tracer.startSpan !== 'function')
    throw new TypeError(`Expected \`tracer\` to be an OpenTelemetry Tracer, got ${describeValue(tracer)}`);
  const channels = o.channels ?? SCALING_TRACING_CHANNELS;
  if (!Array.isArray(channels))
    throw new TypeError(`Expected \`channels\` to be an array of channel names, got ${describeValue(channels)}`);
  for (const c of channels)
    if (typeof c !== 'string' || !CHANNEL.test(c))
      throw new TypeError(`Expected each of \`channels\` to be a \`scaling:<package>:<operation>\` name, got ${describeValue(c)}`);

  const spans = new WeakMap<object, Span>();
  const subscriptions: { name: string; handlers: Parameters<ReturnType<typeof tracingChannel>['subscribe']>[0] }[] = [];
  for (const name of new Set(channels)) {
    const [, pkg, op] = CHANNEL.exec(name) as RegExpExecArray;
    const finish = (message: unknown): void => {
      const ctx = message as Context;
      const span = spans.get(ctx);
      if (span === undefined) return;
      spans.delete(ctx);
      // Fields the operation set while running (the endpoint used, attempts, the status code).
      span.setAttributes(contextAttributes(pkg as string, ctx, {}));
      const status = typeof ctx.statusCode === 'number' ? ctx.statusCode : (ctx.result as { statusCode?: unknown } | undefined)?.statusCode;
      if (typeof status === 'number') {
        span.setAttribute('http.response.status_code', status);
        if (pkg === 'http-client' && status >= 400 && ctx.error === undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
    const handlers = {
      start(message: unknown) {
        if (typeof message !== 'object' || message === null) return;
        const { name: spanName, kind, attributes } = describe(pkg as string, op as string, message as Context);
        spans.set(message, tracer.startSpan(spanName, { kind, attributes }));
      },
      end(message: unknown) {
        if (typeof message !== 'object' || message === null) return;
        if ('result' in message || 'error' in message) finish(message);
      },
      asyncStart() {},
      asyncEnd(message: unknown) {
        if (typeof message === 'object' && message !== null) finish(message);
      },
      error(message: unknown) {
        if (typeof message !== 'object' || message === null) return;
        const span = spans.get(message);
        const error = (message as Context).error;
        if (span === undefined) return;
        if (error instanceof Error) span.recordException(error);
        else span.recordException(String(error));
        const code = (error as { code?: unknown } | undefined)?.code;
        if (typeof code === 'string') span.setAttribute('error.type', code);
        else span.setAttribute('error.type', error instanceof Error ? error.name : '_OTHER');
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      },
    };
    tracingChannel(name).subscribe(handlers);
    subscriptions.push({ name, handlers });
  }
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    for (const { name, handlers } of subscriptions) tracingChannel(name).unsubscribe(handlers);
  };
}
