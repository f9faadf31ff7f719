import { RoundRobin } from '@scaling/load-balancer';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type BalancedDispatcher, createBalancedDispatcher, type HttpEndpoint } from '../src/index.js';
import { closeAll, startServer, type TestServer } from './_servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(() => closeAll(open));

interface Upstream extends TestServer {
  healthy: boolean;
  failRequests: boolean;
  checks(): number;
}

/** An upstream whose `/healthz` answers 200 or 503 as told, and whose other paths answer its name (or reset). */
async function upstream(name: string): Promise<Upstream> {
  const state = { healthy: true, failRequests: false };
  const s = await startServer((req, res) => {
    if (req.url === '/healthz') {
      res.statusCode = state.healthy ? 200 : 503;
      return res.end();
    }
    if (state.failRequests) return req.socket.destroy();
    res.end(name);
  });
  const u = Object.assign(s, state, { checks: () => s.hits.filter((h) => h.url === '/healthz').length });
  // Keep `healthy`/`failRequests` live on the object the handler reads.
  Object.defineProperty(u, 'healthy', { get: () => state.healthy, set: (v: boolean) => (state.healthy = v) });
  Object.defineProperty(u, 'failRequests', { get: () => state.failRequests, set: (v: boolean) => (state.failRequests = v) });
  open.push(u);
  return u;
}

const body = async (d: BalancedDispatcher) => (await request('http://svc/', { dispatcher: d })).body.text();
const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

describe('active health checks', () => {
  it('an endpoint failing its checks leaves rotation and comes back when they pass', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const dispatcher = createBalancedDispatcher({
      endpoints: [a.origin, b.origin],
      balancer: new RoundRobin<HttpEndpoint>(),
      healthCheck: { path: '/healthz', intervalMs: 20, unhealthyThreshold: 2, healthyThreshold: 2 },
    });
    open.push(dispatcher);
    await until(() => a.checks() > 0 && b.checks() > 0, 'the first checks');
    a.healthy = false;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === false, 'a unhealthy');
    const before = a.hits.length - a.checks();
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) bodies.add(await body(dispatcher));
    expect(bodies).toEqual(new Set(['b']));
    expect(a.hits.length - a.checks()).toBe(before);
    a.healthy = true;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === true, 'a healthy again');
    for (let i = 0; i < 4; i++) bodies.add(await body(dispatcher));
    expect(bodies).toEqual(new Set(['a', 'b']));
  });

  it('combined with outlier detection: an endpoint is picked only while both let it', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const dispatcher = createBalancedDispatcher({
      endpoints: [a.origin, b.origin],
      balancer: new RoundRobin<HttpEndpoint>(),
      outlierDetection: { consecutiveFailures: 1, baseEjectionTimeMs: 30, successRate: false, failurePercentage: false },
      healthCheck: { intervalMs: 20, unhealthyThreshold: 1, healthyThreshold: 1 },
    });
    open.push(dispatcher);
    // Outlier detection ejects `a` (its requests reset) while its health check still passes.
    a.failRequests = true;
    for (let i = 0; i < 3; i++) expect(await body(dispatcher)).toBe('b');
    expect(dispatcher.stats().endpoints[a.origin]).toMatchObject({ ejected: true, healthy: true });
    // Now the check fails too; the ejection time runs out, but the check still holds `a` down: no probe reaches it.
    a.healthy = false;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === false, 'a unhealthy');
    a.failRequests = false;
    await new Promise((r) => setTimeout(r, 60));
    const served = a.hits.length - a.checks();
    for (let i = 0; i < 4; i++) expect(await body(dispatcher)).toBe('b');
    expect(a.hits.length - a.checks()).toBe(served);
    // The check passes again: the outlier probe goes through and `a` is back.
    a.healthy = true;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === true, 'a healthy');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await body(dispatcher));
    expect(seen).toEqual(new Set(['a', 'b']));
    expect(dispatcher.stats().endpoints[a.origin]?.ejected).toBe(false);
  });

  it('new-user review: `ejections` is a counter (never decreases after the outlier decay) and counts health-check ejections; `ejected` covers both', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const dispatcher = createBalancedDispatcher({
      endpoints: [a.origin, b.origin],
      balancer: new RoundRobin<HttpEndpoint>(),
      // 200 ms, not 20: the three failing requests below must fit in one ejection, or the probe after it fails
      // and re-ejects `a` (a second ejection; seen once in a full parallel run)
      outlierDetection: { consecutiveFailures: 1, baseEjectionTimeMs: 200, successRate: false, failurePercentage: false },
      healthCheck: { intervalMs: 20, unhealthyThreshold: 1, healthyThreshold: 1 },
    });
    open.push(dispatcher);
    const ejectionsOfA = () => dispatcher.stats().endpoints[a.origin]?.ejections;
    // One outlier ejection; after it returns, the detector's ejection multiplier decays — the counter must not.
    a.failRequests = true;
    for (let i = 0; i < 3; i++) await body(dispatcher);
    expect(ejectionsOfA()).toBe(1);
    a.failRequests = false;
    // after the ejection time a request is the probe; its success returns `a`
    for (let i = 0; i < 100 && dispatcher.stats().endpoints[a.origin]?.ejected !== false; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await body(dispatcher);
    }
    expect(dispatcher.stats().endpoints[a.origin]?.ejected).toBe(false);
    for (let i = 0; i < 20; i++) await body(dispatcher);
    await new Promise((r) => setTimeout(r, 100));
    expect(ejectionsOfA()).toBe(1);
    // A failing health check is an ejection too, and `ejected` says so (the endpoint-ejected alert reads it).
    a.healthy = false;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === false, 'a unhealthy');
    expect(dispatcher.stats().endpoints[a.origin]).toMatchObject({ ejected: true, ejections: 2 });
    a.healthy = true;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === true, 'a healthy');
    expect(dispatcher.stats().endpoints[a.origin]).toMatchObject({ ejected: false, ejections: 2 });
  });

  it('setEndpoints keeps the check state of endpoints that stay; removed endpoints are no longer checked', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const c = await upstream('c');
    const dispatcher = createBalancedDispatcher({
      endpoints: [a.origin, b.origin],
      healthCheck: { intervalMs: 20, unhealthyThreshold: 1, healthyThreshold: 1 },
    });
    open.push(dispatcher);
    a.healthy = false;
    await until(() => dispatcher.stats().endpoints[a.origin]?.healthy === false, 'a unhealthy');
    dispatcher.setEndpoints([a.origin, c.origin]);
    expect(dispatcher.stats().endpoints[a.origin]?.healthy).toBe(false);
    for (let i = 0; i < 4; i++) expect(await body(dispatcher)).toBe('c');
    const bChecks = b.checks();
    await until(() => c.checks() >= 2, 'c checked');
    await new Promise((r) => setTimeout(r, 50));
    expect(b.checks()).toBeLessThanOrEqual(bChecks + 1); // at most one check was in flight at removal
  });

  it('close() stops the checks: no timer and no request afterwards', async () => {
    const a = await upstream('a');
    const dispatcher = createBalancedDispatcher({ endpoints: [a.origin], healthCheck: { intervalMs: 10 } });
    await until(() => a.checks() >= 2, 'checks');
    await dispatcher.close();
    const n = a.checks();
    await new Promise((r) => setTimeout(r, 60));
    expect(a.checks()).toBeLessThanOrEqual(n + 1);
    const d2 = createBalancedDispatcher({ endpoints: [a.origin], healthCheck: { intervalMs: 10 } });
    await until(() => a.checks() >= n + 3, 'checks of the second dispatcher');
    await d2.destroy();
    const m = a.checks();
    await new Promise((r) => setTimeout(r, 60));
    expect(a.checks()).toBeLessThanOrEqual(m + 1);
  });

  it('health checks are off unless configured', async () => {
    const a = await upstream('a');
    const dispatcher = createBalancedDispatcher({ endpoints: [a.origin] });
    open.push(dispatcher);
    expect(await body(dispatcher)).toBe('a');
    await new Promise((r) => setTimeout(r, 30));
    expect(a.checks()).toBe(0);
  });
});
