import { tracingChannel } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeterProvider, type MetricReader } from '@opentelemetry/sdk-metrics';
import { createBalancedDispatcher } from '@scaling/http-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DURATION_BUCKETS, recordHttpClientMetrics } from '../src/index.js';
import { histograms, InMemoryReader } from './_metrics.js';

/** The histogram points of one collection, flattened for comparison. */
async function points(reader: MetricReader) {
  const { out } = await histograms(reader);
  return out.map((p) => ({ ...p, count: p.value.count, sum: p.value.sum, boundaries: p.value.buckets.boundaries }));
}

function setup() {
  const reader = new InMemoryReader();
  const provider = new MeterProvider({ readers: [reader] });
  stop = recordHttpClientMetrics({ meter: provider.getMeter('test') });
  return reader;
}

const channel = tracingChannel<unknown, Record<string, unknown>>('scaling:http-client:request');
let stop: (() => void) | undefined;

afterEach(() => {
  stop?.();
  stop = undefined;
});

/**
 * Publishes one request the way `@scaling/http-client`'s exchange does: `start` and `end` around the
 * synchronous dispatch, the fields set while it runs, then (`error`), `asyncStart` and `asyncEnd` when the
 * body ended or the request failed.
 */
async function request(start: Record<string, unknown>, outcome: Record<string, unknown>, waitMs = 0): Promise<void> {
  const ctx: Record<string, unknown> = { attempts: 0, ...start };
  channel.start.publish(ctx);
  channel.end.publish(ctx);
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  Object.assign(ctx, outcome);
  if (ctx.error !== undefined) channel.error.publish(ctx);
  channel.asyncStart.publish(ctx);
  channel.asyncEnd.publish(ctx);
}

describe('recordHttpClientMetrics: http.client.request.duration from scaling:http-client:request', () => {
  it('new-user review, 2026-12: http.client.request.duration lacks method/status', async () => {
    const reader = setup();
    await request(
      { method: 'get', origin: 'http://orders', path: '/items?id=1' },
      { endpoint: 'http://10.0.0.7:8080', attempts: 1, statusCode: 200 },
      20,
    );
    const [p, ...rest] = await points(reader);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ name: 'http.client.request.duration', unit: 's', count: 1 });
    // Exactly the attributes the convention asks for a successful request: method, server, status.
    expect(p?.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': 'orders',
      'server.port': 80,
      'http.response.status_code': 200,
    });
    // Seconds, not milliseconds: about 0.02 for a 20 ms request.
    expect(p?.sum).toBeGreaterThanOrEqual(0.01);
    expect(p?.sum).toBeLessThan(10);
    expect(p?.boundaries).toEqual([...DEFAULT_DURATION_BUCKETS]);
  });

  it('error.type: the error code on failure (no status), the status code for 4xx/5xx; unknown methods are _OTHER', async () => {
    const reader = setup();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await request({ method: 'POST', origin: 'https://api.example', path: '/' }, { error: refused, attempts: 1 });
    await request({ method: 'GET', origin: 'https://api.example:8443', path: '/' }, { statusCode: 503, attempts: 3 });
    await request({ method: 'PURGE', origin: 'http://[::1]:9000', path: '/' }, { statusCode: 204 });
    class BodyError extends Error {
      override name = 'BodyError';
    }
    await request({ method: 'GET', origin: 'http://orders', path: '/' }, { statusCode: 200, error: new BodyError('reset') });
    await request({ method: 'GET', origin: 'http://orders', path: '/' }, { error: 'no reason' });
    const attrs = (await points(reader)).map((p) => p.attributes);
    expect(attrs).toEqual([
      { 'http.request.method': 'POST', 'server.address': 'api.example', 'server.port': 443, 'error.type': 'ECONNREFUSED' },
      {
        'http.request.method': 'GET',
        'server.address': 'api.example',
        'server.port': 8443,
        'http.response.status_code': 503,
        'error.type': '503',
      },
      { 'http.request.method': '_OTHER', 'server.address': '::1', 'server.port': 9000, 'http.response.status_code': 204 },
      {
        'http.request.method': 'GET',
        'server.address': 'orders',
        'server.port': 80,
        'http.response.status_code': 200,
        'error.type': 'BodyError',
      },
      { 'http.request.method': 'GET', 'server.address': 'orders', 'server.port': 80, 'error.type': '_OTHER' },
    ]);
  });

  it('an origin that is not a URL takes the server from the endpoint; one point per request, ended once', async () => {
    const reader = setup();
    await request({ method: 'GET', origin: '', path: '/' }, { endpoint: 'http://10.0.0.9:8080', statusCode: 200 });
    // A request that failed synchronously: `end` already holds the error, and asyncEnd follows.
    const ctx: Record<string, unknown> = { method: 'GET', origin: 'http://orders', path: '/', attempts: 0 };
    channel.start.publish(ctx);
    ctx.error = Object.assign(new Error('no endpoint'), { code: 'SCALING_NO_ENDPOINT' });
    channel.error.publish(ctx);
    channel.asyncStart.publish(ctx);
    channel.asyncEnd.publish(ctx);
    channel.end.publish(ctx);
    // traceSync: completes on `end`.
    expect(() =>
      channel.traceSync(
        () => {
          throw new TypeError('bad');
        },
        { method: 'GET', origin: 'http://orders', path: '/' },
      ),
    ).toThrow('bad');
    const out = await points(reader);
    expect(out.map((p) => [p.attributes['server.address'], p.attributes['error.type']])).toEqual([
      ['10.0.0.9', undefined],
      ['orders', 'SCALING_NO_ENDPOINT'],
      ['orders', 'TypeError'],
    ]);
    expect(out.map((p) => p.count)).toEqual([1, 1, 1]);
  });

  it('a real BalancedDispatcher: one point per request (its retry inside), the logical origin as server, 404 as error.type', async () => {
    const reader = setup();
    const listen = async (handler: Parameters<typeof createServer>[1]): Promise<Server> => {
      const server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    const ok = await listen((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('ok');
    });
    const reset = await listen((req) => req.socket.destroy());
    const origins = [ok, reset].map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
    const dispatcher = createBalancedDispatcher({ endpoints: origins });
    let stats: { requests: number; attempts: number } | undefined;
    try {
      for (const path of ['/a', '/b', '/missing']) {
        const res = await dispatcher.request({ origin: 'http://orders', path, method: 'GET' });
        await res.body.text();
      }
      stats = dispatcher.stats();
    } finally {
      await dispatcher.close();
      for (const s of [ok, reset]) s.close();
    }
    const out = await points(reader);
    expect(out.map((p) => p.attributes)).toEqual([
      { 'http.request.method': 'GET', 'server.address': 'orders', 'server.port': 80, 'http.response.status_code': 200 },
      {
        'http.request.method': 'GET',
        'server.address': 'orders',
        'server.port': 80,
        'http.response.status_code': 404,
        'error.type': '404',
      },
    ]);
    // One point per request, whatever attempts the resets caused (each reset attempt is retried elsewhere).
    expect(out.map((p) => p.count)).toEqual([2, 1]);
    expect(stats?.requests).toBe(3);
    expect(stats?.attempts).toBeGreaterThanOrEqual(3);
  });

  it('opt-in: nothing subscribes until called; the returned function unsubscribes (idempotent)', async () => {
    expect(channel.hasSubscribers).toBe(false);
    const reader = setup();
    expect(channel.hasSubscribers).toBe(true);
    await request({ method: 'GET', origin: 'http://orders', path: '/' }, { statusCode: 200 });
    stop?.();
    stop?.();
    expect(channel.hasSubscribers).toBe(false);
    await request({ method: 'GET', origin: 'http://orders', path: '/' }, { statusCode: 200 });
    expect((await points(reader)).map((p) => p.count)).toEqual([1]);
  });

  it('rejects bad options with messages naming them', () => {
    expect(() => recordHttpClientMetrics({} as never)).toThrow(/`meter`/);
    expect(() => recordHttpClientMetrics({ meter: {} as never })).toThrow(/`meter`/);
    expect(() => recordHttpClientMetrics({ meter: new MeterProvider().getMeter('x'), tracer: {} } as never)).toThrow(/tracer/);
    expect(() => recordHttpClientMetrics(undefined as never)).toThrow(/options/);
  });
});
