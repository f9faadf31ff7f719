import { tracingChannel } from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { SCALING_TRACING_CHANNELS, traceScalingChannels } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
let stop: (() => void) | undefined;

afterEach(() => {
  stop?.();
  stop = undefined;
  exporter.reset();
});

describe('traceScalingChannels: spans from the scaling:* tracing channels (published directly here)', () => {
  it('a cache load traced with tracePromise: span from start to asyncEnd, key attribute', async () => {
    stop = traceScalingChannels({ tracer });
    const channel = tracingChannel('scaling:cache:load');
    let ended = false;
    const value = await channel.tracePromise(
      async () => {
        await new Promise((r) => setTimeout(r, 5));
        expect(exporter.getFinishedSpans()).toHaveLength(0); // still running: not ended on `end`
        ended = true;
        return 42;
      },
      { key: 'user:42' },
    );
    expect([value, ended]).toEqual([42, true]);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('cache load');
    expect(span?.attributes).toEqual({ 'scaling.cache.key': 'user:42' });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    const ms = (span?.duration[0] ?? 0) * 1e3 + (span?.duration[1] ?? 0) / 1e6;
    expect(ms).toBeGreaterThanOrEqual(4);
  });

  it('an HTTP client request follows the HTTP client span conventions; a rejection records the exception', async () => {
    stop = traceScalingChannels({ tracer });
    const channel = tracingChannel('scaling:http-client:request');
    const ctx: Record<string, unknown> = { method: 'get', origin: 'http://10.0.0.7:8080', path: '/users?id=1', attempts: 0 };
    await channel.tracePromise(async () => {
      // As @scaling/http-client does: the endpoint, attempts and status land on the context while it runs.
      Object.assign(ctx, { endpoint: 'http://10.0.0.9:8080', attempts: 2, statusCode: 503 });
      return {};
    }, ctx);
    const failure = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(
      channel.tracePromise(
        async () => {
          throw failure;
        },
        { method: 'POST', origin: 'https://api.example', path: '/' },
      ),
    ).rejects.toBe(failure);
    const [ok, failed] = exporter.getFinishedSpans();
    expect(ok?.name).toBe('GET');
    expect(ok?.kind).toBe(SpanKind.CLIENT);
    expect(ok?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': 'http://10.0.0.7:8080/users?id=1',
      'server.address': '10.0.0.7',
      'server.port': 8080,
      'http.response.status_code': 503,
      'scaling.http-client.endpoint': 'http://10.0.0.9:8080',
      'scaling.http-client.attempts': 2,
    });
    expect(ok?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes).toMatchObject({ 'server.port': 443, 'error.type': 'ECONNREFUSED' });
    expect(failed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'connect ECONNREFUSED' });
    expect(failed?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('routed queries are client spans with db.query.text; a synchronous traceSync ends on `end`; the queue run is internal', () => {
    stop = traceScalingChannels({ tracer });
    tracingChannel('scaling:replica-router-pg:query').traceSync(() => 1, { sql: 'SELECT 1', target: 'replica-1' });
    expect(() =>
      tracingChannel('scaling:replica-router:query').traceSync(
        () => {
          throw new TypeError('bad');
        },
        { target: 'primary' },
      ),
    ).toThrow('bad');
    tracingChannel('scaling:queue:run').traceSync(() => undefined, {});
    const [pg, primary, run] = exporter.getFinishedSpans();
    expect(pg).toMatchObject({ name: 'replica-router-pg query replica-1', kind: SpanKind.CLIENT });
    expect(pg?.attributes).toMatchObject({
      'db.query.text': 'SELECT 1',
      'db.system.name': 'postgresql',
      'scaling.replica-router-pg.target': 'replica-1',
    });
    expect(primary?.status.code).toBe(SpanStatusCode.ERROR);
    expect(primary?.attributes['error.type']).toBe('TypeError');
    expect(run).toMatchObject({ name: 'queue run', kind: SpanKind.INTERNAL });
  });

  it('unsubscribe (idempotent) stops spans and removes every subscriber; bad options throw', () => {
    const before = SCALING_TRACING_CHANNELS.map((c) => tracingChannel(c).start.hasSubscribers);
    stop = traceScalingChannels({ tracer, channels: ['scaling:cache:load'] });
    expect(tracingChannel('scaling:cache:load').start.hasSubscribers).toBe(true);
    stop();
    stop();
    tracingChannel('scaling:cache:load').traceSync(() => 1, { key: 'k' });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(SCALING_TRACING_CHANNELS.map((c) => tracingChannel(c).start.hasSubscribers)).toEqual(before);
    expect(() => traceScalingChannels({} as never)).toThrow(/`tracer`/);
    expect(() => traceScalingChannels({ tracer, channels: ['cache:load'] })).toThrow(/scaling:<package>:<operation>/);
    expect(() => traceScalingChannels({ tracer, exporter } as never)).toThrow(/exporter/);
  });
});
