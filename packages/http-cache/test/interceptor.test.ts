// The undici interceptor: client-side caching with the same engine, on a loopback origin.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheInterceptor } from '../src/index.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function origin(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(r)));
  closers.push(async () => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(interceptor: ReturnType<typeof cacheInterceptor>): Dispatcher {
  const agent = new Agent();
  closers.push(() => agent.close());
  return agent.compose(interceptor);
}

describe('cacheInterceptor (undici)', () => {
  it('answers a fresh response from the cache, keyed by absolute URL', async () => {
    let hits = 0;
    const base = await origin((req, res) => {
      hits++;
      res.setHeader('cache-control', 'max-age=60');
      res.end(`body of ${req.url}`);
    });
    const interceptor = cacheInterceptor();
    const dispatcher = client(interceptor);
    const texts: string[] = [];
    for (const path of ['/a', '/a', '/b']) {
      const r = await request(`${base}${path}`, { dispatcher });
      texts.push(await r.body.text());
    }
    expect(texts).toEqual(['body of /a', 'body of /a', 'body of /b']);
    expect(hits).toBe(2);
    expect(interceptor.cache.stats()).toMatchObject({ requests: 3, hits: 1, misses: 2 });
    expect(interceptor.cache.purge(`${base}/a`)).toBe(true);
  });

  it('is a private cache by default: `private` responses are stored, and streams large bodies through', async () => {
    let hits = 0;
    const big = Buffer.alloc(200_000, 'x');
    const base = await origin((req, res) => {
      hits++;
      res.setHeader('cache-control', 'private, max-age=60');
      res.end(req.url === '/big' ? big : 'mine');
    });
    const dispatcher = client(cacheInterceptor({ maxSizeBytes: 1024 * 1024, maxEntrySizeBytes: 100_000 }));
    for (let i = 0; i < 2; i++) await (await request(`${base}/me`, { dispatcher })).body.text();
    expect(hits).toBe(1);
    for (let i = 0; i < 2; i++)
      expect((await (await request(`${base}/big`, { dispatcher })).body.arrayBuffer()).byteLength).toBe(big.length);
    expect(hits).toBe(3); // larger than the entry cap: passed through, not stored
  });

  it('fails the request with the origin’s error when the origin is unreachable', async () => {
    const dispatcher = client(cacheInterceptor());
    await expect(request('http://127.0.0.1:1/x', { dispatcher })).rejects.toThrow();
  });

  it('makes one origin request for concurrent misses', async () => {
    let hits = 0;
    const base = await origin((_req, res) => {
      hits++;
      setTimeout(() => {
        res.setHeader('cache-control', 'max-age=60');
        res.end('once');
      }, 30);
    });
    const dispatcher = client(cacheInterceptor());
    const bodies = await Promise.all(Array.from({ length: 20 }, async () => (await request(`${base}/c`, { dispatcher })).body.text()));
    expect(bodies.every((b) => b === 'once')).toBe(true);
    expect(hits).toBe(1);
  });
});
