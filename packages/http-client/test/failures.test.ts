import { Readable } from 'node:stream';
import { isScalingError, TimeoutError } from '@scaling/core';
import { RoundRobin } from '@scaling/load-balancer';
import { concurrencyBudget, rateBudget } from '@scaling/resilience';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancedDispatcher, EndpointsFailedError, type HttpEndpoint } from '../src/index.js';
import { closeAll, deadOrigin, named, startServer } from './_servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(() => closeAll(open));

/** A server that reads the request and then kills the connection without answering. */
const killer = () => startServer((req) => req.socket.destroy());

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('failures', () => {
  it('an upstream that accepts and never answers: attempt timeout, then another endpoint', async () => {
    const hang = await startServer(() => {});
    const ok = await named('ok');
    open.push(hang, ok);
    const dispatcher = createBalancedDispatcher({
      endpoints: [hang.origin, ok.origin],
      balancer: new RoundRobin<HttpEndpoint>(),
      attemptTimeoutMs: 300,
      outlierDetection: false,
    });
    open.push(dispatcher);
    for (let i = 0; i < 4; i++) {
      const res = await request('http://svc/', { dispatcher });
      expect(await res.body.text()).toBe('ok');
    }
    expect(hang.hits.length).toBeGreaterThan(0);
    expect(dispatcher.stats().endpoints[hang.origin]?.failures).toBe(hang.hits.length);
    expect(dispatcher.stats().endpoints[ok.origin]?.retries).toBe(hang.hits.length);
  });

  it('a killed connection before the response: GET is retried on another endpoint', async () => {
    const k = await killer();
    const ok = await named('ok');
    open.push(k, ok);
    const dispatcher = createBalancedDispatcher({ endpoints: [k.origin, ok.origin], balancer: new RoundRobin<HttpEndpoint>() });
    open.push(dispatcher);
    for (let i = 0; i < 4; i++) expect(await (await request('http://svc/', { dispatcher })).body.text()).toBe('ok');
    expect(k.hits.length).toBeGreaterThan(0);
  });

  it('a non-idempotent POST is not retried', async () => {
    const k = await killer();
    const ok = await named('ok');
    open.push(k, ok);
    const dispatcher = createBalancedDispatcher({ endpoints: [k.origin, ok.origin], balancer: new RoundRobin<HttpEndpoint>() });
    open.push(dispatcher);
    const errors: Error[] = [];
    for (let i = 0; i < 4; i++) {
      try {
        await (await request('http://svc/', { dispatcher, method: 'POST', body: 'x' })).body.text();
      } catch (error) {
        errors.push(error as Error);
      }
    }
    expect(errors).toHaveLength(k.hits.length);
    expect(errors.length).toBeGreaterThan(0);
    expect(ok.hits.length + k.hits.length).toBe(4);
    const e = errors[0] as EndpointsFailedError;
    expect(isScalingError(e, 'ERR_ENDPOINTS_FAILED')).toBe(true);
    expect(e.tried).toEqual([k.origin]);
  });

  it('a POST with an idempotency key and a replayable body is retried; a streamed body is not', async () => {
    const k = await killer();
    const ok = await startServer((req, res) => req.pipe(res));
    open.push(k, ok);
    const dispatcher = createBalancedDispatcher({ endpoints: [k.origin, ok.origin], balancer: new RoundRobin<HttpEndpoint>() });
    open.push(dispatcher);
    for (let i = 0; i < 2; i++) {
      const res = await request('http://svc/', { dispatcher, method: 'POST', body: 'payload', headers: { 'idempotency-key': `k${i}` } });
      expect(await res.body.text()).toBe('payload');
    }
    expect(k.hits.length).toBeGreaterThan(0);
    expect(ok.hits.length).toBe(2);
    // Streamed bodies cannot be replayed: the attempt that hits the killer fails.
    const results = await Promise.allSettled(
      [0, 1].map(async () => (await request('http://svc/', { dispatcher, method: 'PUT', body: Readable.from(['a', 'b']) })).body.text()),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value)).toEqual(['ab']);
  });

  it('an upstream killed mid-response: the body errors and the attempt counts as a failure', async () => {
    const mid = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => setTimeout(() => res.socket?.destroy(), 10));
    });
    open.push(mid);
    const dispatcher = createBalancedDispatcher({ endpoints: [mid.origin] });
    open.push(dispatcher);
    const res = await request('http://svc/', { dispatcher });
    expect(res.statusCode).toBe(200);
    await failure(res.body.text());
    expect(dispatcher.stats().endpoints[mid.origin]).toMatchObject({
      requests: 1,
      failures: 1,
      retries: 0,
      hedges: 0,
      ejections: 0,
      active: 0,
    });
  });

  it('the total timeout also bounds the response body: a stalled body errors with a TimeoutError', async () => {
    const stall = await startServer((_req, res) => {
      res.writeHead(200);
      res.write('start');
    });
    open.push(stall);
    const dispatcher = createBalancedDispatcher({ endpoints: [stall.origin], timeoutMs: 1_500, attemptTimeoutMs: 1_000 });
    open.push(dispatcher);
    const res = await request('http://svc/', { dispatcher });
    expect(res.statusCode).toBe(200);
    expect(await failure(res.body.text())).toBeInstanceOf(TimeoutError);
    expect(dispatcher.stats().endpoints[stall.origin]).toMatchObject({ requests: 1, failures: 1 });
  });

  it('a 5xx is retried on another endpoint for idempotent methods, and counted as a failure', async () => {
    const bad = await startServer((_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    const ok = await named('ok');
    open.push(bad, ok);
    const dispatcher = createBalancedDispatcher({
      endpoints: [bad.origin, ok.origin],
      balancer: new RoundRobin<HttpEndpoint>(),
      outlierDetection: false,
    });
    open.push(dispatcher);
    for (let i = 0; i < 4; i++) expect(await (await request('http://svc/', { dispatcher })).body.text()).toBe('ok');
    expect(dispatcher.stats().endpoints[bad.origin]?.failures).toBe(bad.hits.length);
    // With retries off the 5xx response reaches the caller.
    const single = createBalancedDispatcher({ endpoints: [bad.origin], retry: false });
    open.push(single);
    const res = await request('http://svc/', { dispatcher: single });
    expect(res.statusCode).toBe(503);
    expect(await res.body.text()).toBe('busy');
  });

  it('new-user review: with every endpoint answering 5xx, the last 5xx reaches the caller (status, headers, body), not an error', async () => {
    const busy = (name: string) =>
      startServer((_req, res) => {
        res.statusCode = 503;
        res.setHeader('retry-after', '7');
        res.end(`busy ${name}`);
      });
    const a = await busy('a');
    const b = await busy('b');
    open.push(a, b);
    for (const endpoints of [[a.origin], [a.origin, b.origin]]) {
      const dispatcher = createBalancedDispatcher({ endpoints, balancer: new RoundRobin<HttpEndpoint>(), outlierDetection: false });
      open.push(dispatcher);
      const res = await request('http://svc/', { dispatcher });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(await res.body.text()).toMatch(/^busy [ab]$/);
      const s = dispatcher.stats();
      // every endpoint was tried once, and the request itself completed (with the upstream's 503)
      expect(s.attempts).toBe(endpoints.length);
      expect(s).toMatchObject({ requests: 1, active: 0 });
      expect(s.requests).toBe(s.completed + s.failed + s.aborted);
    }
  });

  it('all endpoints down: a coded error naming every endpoint tried', async () => {
    const origins = [await deadOrigin(), await deadOrigin(), await deadOrigin()];
    const dispatcher = createBalancedDispatcher({ endpoints: origins, outlierDetection: false });
    open.push(dispatcher);
    const e = (await failure(request('http://svc/', { dispatcher }))) as EndpointsFailedError;
    expect(e).toBeInstanceOf(EndpointsFailedError);
    expect(e.code).toBe('ERR_ENDPOINTS_FAILED');
    expect([...e.tried].sort()).toEqual([...origins].sort());
    for (const o of origins) expect(e.message).toContain(o);
  });

  it('all endpoints hanging: the total timeout ends the request with the coded error', async () => {
    const hangs = [await startServer(() => {}), await startServer(() => {})];
    open.push(...hangs);
    const dispatcher = createBalancedDispatcher({ endpoints: hangs.map((h) => h.origin), timeoutMs: 200 });
    open.push(dispatcher);
    const e = (await failure(request('http://svc/', { dispatcher }))) as EndpointsFailedError;
    expect(e.code).toBe('ERR_ENDPOINTS_FAILED');
    expect(e.cause).toBeInstanceOf(TimeoutError);
    expect(e.tried).toHaveLength(1);
  });

  it('an exhausted retry budget stops retries', async () => {
    const k = await killer();
    const ok = await named('ok');
    open.push(k, ok);
    const dispatcher = createBalancedDispatcher({
      endpoints: [k.origin, ok.origin],
      balancer: new RoundRobin<HttpEndpoint>(),
      retry: { budget: concurrencyBudget({ ratio: 0, minConcurrency: 0 }) },
    });
    open.push(dispatcher);
    const results = await Promise.allSettled([0, 1].map(async () => (await request('http://svc/', { dispatcher })).body.text()));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(k.hits.length);
    expect(k.hits.length).toBe(1);
  });

  it('a 50 % failure storm: the retry budget keeps the load at most 1.2× the offered load', async () => {
    const flaky = () => {
      let n = 0;
      return startServer((_req, res) => {
        res.statusCode = n++ % 2 === 0 ? 503 : 200;
        res.end();
      });
    };
    const servers = [await flaky(), await flaky()];
    open.push(...servers);
    const budget = rateBudget({ percent: 0.2, minPerSecond: 0 });
    const dispatcher = createBalancedDispatcher({
      endpoints: servers.map((s) => s.origin),
      retry: { budget, maxAttempts: 3 },
      outlierDetection: false,
    });
    open.push(dispatcher);
    const offered = 200;
    let ok = 0;
    for (let batch = 0; batch < offered / 20; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await request('http://svc/', { dispatcher });
          await res.body.dump();
          return res.statusCode;
        }),
      );
      ok += statuses.filter((s) => s === 200).length;
    }
    const load = servers.reduce((n, s) => n + s.hits.length, 0);
    expect(load).toBeLessThanOrEqual(1.2 * offered);
    expect(budget.stats().refused).toBeGreaterThan(0);
    expect(budget.stats().granted).toBeGreaterThan(0);
    // Each upstream alternates 503/200, so every granted retry adds answers and half of them are successes.
    expect(ok).toBeGreaterThanOrEqual(offered / 2);
  });

  it('the caller aborting ends the request without counting a failure', async () => {
    const hang = await startServer(() => {});
    open.push(hang);
    const dispatcher = createBalancedDispatcher({ endpoints: [hang.origin] });
    open.push(dispatcher);
    const controller = new AbortController();
    const p = request('http://svc/', { dispatcher, signal: controller.signal });
    while (hang.hits.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const e = await failure(p);
    expect(e.name).toBe('AbortError');
    expect(dispatcher.stats().endpoints[hang.origin]).toMatchObject({
      requests: 1,
      failures: 0,
      retries: 0,
      hedges: 0,
      ejections: 0,
      active: 0,
    });
  });
});
