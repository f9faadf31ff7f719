import { PeakEwma, RoundRobin } from '@scaling/load-balancer';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancedDispatcher, type HttpEndpoint } from '../src/index.js';
import { closeAll, named, startServer } from './_servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(() => closeAll(open));

async function get(dispatcher: Parameters<typeof request>[1] extends infer O ? (O extends { dispatcher?: infer D } ? D : never) : never) {
  const res = await request('http://svc/', { dispatcher });
  return { status: res.statusCode, body: await res.body.text() };
}

describe('endpoints changing at runtime', () => {
  it('setEndpoints keeps the state of endpoints that stay (balancer entry, outlier ejection, counters)', async () => {
    const a = await named('a');
    const bad = await startServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const c = await named('c');
    open.push(a, bad, c);
    const balancer = new PeakEwma<HttpEndpoint>();
    const dispatcher = createBalancedDispatcher({
      endpoints: [a.origin, bad.origin],
      balancer,
      retry: false,
      outlierDetection: { consecutiveFailures: 1, baseEjectionTimeMs: 60_000, maxEjectionPercent: 100 },
    });
    open.push(dispatcher);
    const entryA = balancer.endpoints.find((e) => e.id === a.origin);
    // Drive traffic until the failing upstream has been hit (and so ejected).
    for (let i = 0; i < 20 && bad.hits.length === 0; i++) await get(dispatcher);
    expect(bad.hits.length).toBe(1);
    const before = dispatcher.stats();
    expect(before.endpoints[bad.origin]?.ejections).toBe(1);

    dispatcher.setEndpoints([a.origin, bad.origin, c.origin]);
    expect(dispatcher.endpoints.map((e) => e.origin)).toEqual([a.origin, bad.origin, c.origin]);
    expect(balancer.endpoints.find((e) => e.id === a.origin)).toBe(entryA);
    expect(dispatcher.stats().endpoints[a.origin]).toEqual(before.endpoints[a.origin]);
    expect(dispatcher.stats().endpoints[c.origin]).toMatchObject({
      requests: 0,
      failures: 0,
      retries: 0,
      hedges: 0,
      ejections: 0,
      active: 0,
    });
    for (let i = 0; i < 10; i++) expect((await get(dispatcher)).status).toBe(200);
    // Still ejected after the change: no further traffic to it.
    expect(bad.hits.length).toBe(1);
    expect(dispatcher.stats().endpoints[bad.origin]).toEqual(before.endpoints[bad.origin]);

    dispatcher.setEndpoints([c.origin]);
    expect(Object.keys(dispatcher.stats().endpoints)).toEqual([c.origin]);
    expect((await get(dispatcher)).body).toBe('c');
  });

  it('a changed weight re-adds the endpoint; bad lists change nothing', async () => {
    const a = await named('a');
    open.push(a);
    const balancer = new RoundRobin<HttpEndpoint>();
    const dispatcher = createBalancedDispatcher({ endpoints: [a.origin], balancer });
    open.push(dispatcher);
    await get(dispatcher);
    dispatcher.setEndpoints([{ origin: a.origin, weight: 2 }]);
    expect(dispatcher.stats().endpoints[a.origin]?.requests).toBe(0);
    expect(() => dispatcher.setEndpoints([a.origin, `${a.origin}/`])).toThrow(/duplicates/);
    expect(dispatcher.endpoints).toEqual([{ id: a.origin, origin: a.origin, weight: 2 }]);
  });

  it('a callback discovery source feeds setEndpoints and keeps the last good list on errors', async () => {
    const a = await named('a');
    const b = await named('b');
    open.push(a, b);
    let answer: () => string[] = () => [a.origin];
    const dispatcher = createBalancedDispatcher({ discover: async () => answer(), discoverIntervalMs: 60_000 });
    open.push(dispatcher);
    await dispatcher.refresh();
    expect((await get(dispatcher)).body).toBe('a');
    answer = () => [b.origin];
    await dispatcher.refresh();
    expect((await get(dispatcher)).body).toBe('b');
    const boom = new Error('resolver down');
    answer = () => {
      throw boom;
    };
    await dispatcher.refresh();
    expect(dispatcher.lastDiscoveryError).toBe(boom);
    expect(dispatcher.endpoints.map((e) => e.origin)).toEqual([b.origin]);
    answer = () => ['not a url'];
    await dispatcher.refresh();
    expect(dispatcher.lastDiscoveryError).toBeInstanceOf(TypeError);
    expect((await get(dispatcher)).body).toBe('b');
    answer = () => [a.origin, b.origin];
    await dispatcher.refresh();
    expect(dispatcher.lastDiscoveryError).toBeUndefined();
    expect(dispatcher.endpoints).toHaveLength(2);
  });

  it('requests made before the first discovery answer wait for it', async () => {
    const a = await named('a');
    open.push(a);
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const dispatcher = createBalancedDispatcher({
      discover: async () => {
        await gate;
        return [a.origin];
      },
    });
    open.push(dispatcher);
    const pending = request('http://svc/', { dispatcher });
    release?.();
    expect(await (await pending).body.text()).toBe('a');
  });

  it('no endpoint at all: the coded error with an empty tried list', async () => {
    const dispatcher = createBalancedDispatcher({ endpoints: [] });
    open.push(dispatcher);
    await expect(request('http://svc/', { dispatcher })).rejects.toMatchObject({ code: 'ERR_ENDPOINTS_FAILED', tried: [] });
  });

  it('a closed dispatcher rejects new requests', async () => {
    const a = await named('a');
    open.push(a);
    const dispatcher = createBalancedDispatcher({ endpoints: [a.origin] });
    await dispatcher.close();
    await expect(request('http://svc/', { dispatcher })).rejects.toThrow(/closed/);
    await new Promise<void>((resolve) => dispatcher.destroy(resolve));
  });
});
