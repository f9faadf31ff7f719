import { RoundRobin } from '@scaling/load-balancer';
import { fetch, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createBalancedDispatcher, type HttpEndpoint } from '../src/index.js';
import { closeAll, named, startServer, type TestServer } from './_servers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(() => closeAll(open));

async function three(): Promise<TestServer[]> {
  const s = await Promise.all([named('a'), named('b'), named('c')]);
  open.push(...s);
  return s;
}

describe('balancing across upstreams', () => {
  it('spreads requests over three upstreams (round robin: exactly evenly) with undici.request', async () => {
    const servers = await three();
    const dispatcher = createBalancedDispatcher({ endpoints: servers.map((s) => s.origin), balancer: new RoundRobin<HttpEndpoint>() });
    open.push(dispatcher);
    const bodies: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await request('http://orders.internal/items', { dispatcher });
      expect(res.statusCode).toBe(200);
      bodies.push(await res.body.text());
    }
    expect(servers.map((s) => s.hits.length)).toEqual([10, 10, 10]);
    expect(servers[0]?.hits[0]?.url).toBe('/items');
    expect(new Set(bodies)).toEqual(new Set(['a', 'b', 'c']));
    expect(dispatcher.stats().endpoints[servers[0]!.origin]).toMatchObject({
      requests: 10,
      failures: 0,
      retries: 0,
      hedges: 0,
      ejections: 0,
      active: 0,
    });
  });

  it('works with fetch and the default Peak EWMA balancer under concurrency', async () => {
    const servers = await three();
    const dispatcher = createBalancedDispatcher({ endpoints: servers.map((s) => s.origin) });
    open.push(dispatcher);
    const bodies = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const res = await fetch('http://orders.internal/x?y=1', { dispatcher });
        expect(res.status).toBe(200);
        return res.text();
      }),
    );
    expect(bodies).toHaveLength(30);
    expect(servers.reduce((n, s) => n + s.hits.length, 0)).toBe(30);
    expect(servers.filter((s) => s.hits.length > 0).length).toBeGreaterThan(1);
    expect(servers.flatMap((s) => s.hits.map((h) => h.url))).toContain('/x?y=1');
  });

  it('releases the lease when the response body ends, not when the headers arrive', async () => {
    let finish: (() => void) | undefined;
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      res.write('part');
      finish = () => res.end('-end');
    });
    open.push(server);
    const balancer = new RoundRobin<HttpEndpoint>();
    const outcomes: { ok?: boolean; latencyMs: number }[] = [];
    balancer.on('outcome', (o) => outcomes.push(o));
    const dispatcher = createBalancedDispatcher({ endpoints: [server.origin], balancer });
    open.push(dispatcher);
    const res = await request('http://svc/', { dispatcher });
    expect(res.statusCode).toBe(200);
    expect(outcomes).toHaveLength(0);
    const text = res.body.text();
    await new Promise((r) => setImmediate(r));
    expect(outcomes).toHaveLength(0);
    finish?.();
    expect(await text).toBe('part-end');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.ok).toBe(true);
  });

  it('sends the remaining deadline upstream in the configured header', async () => {
    const server = await startServer((req, res) => res.end(String(req.headers['x-deadline'])));
    open.push(server);
    const dispatcher = createBalancedDispatcher({ endpoints: [server.origin], timeoutMs: 5_000, deadlineHeader: 'x-deadline' });
    open.push(dispatcher);
    const res = await request('http://svc/', { dispatcher, headers: { 'x-deadline': 'spoofed', accept: 'text/plain' } });
    const left = Number(await res.body.text());
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(5_000);
    expect(server.hits[0]?.headers.accept).toBe('text/plain');
  });
});
