// Express 5 and Fastify 5 apps on loopback with the cache in front of their own routes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheMiddleware, HttpCacheEngine, httpCachePlugin } from '../src/index.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function get(port: number, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function expressApp(engine: HttpCacheEngine): Promise<{ port: number; runs: Record<string, number> }> {
  const runs: Record<string, number> = {};
  const count = (name: string): void => {
    runs[name] = (runs[name] ?? 0) + 1;
  };
  const app = express();
  app.use(cacheMiddleware(engine));
  app.get('/products/:id', (req, res) => {
    count('product');
    res.set('cache-control', 'public, max-age=60').set('surrogate-key', `product-${req.params.id}`).json({ id: req.params.id });
  });
  app.get('/private', (_req, res) => {
    count('private');
    res.set('cache-control', 'private').send('mine');
  });
  app.get('/etag', (_req, res) => {
    count('etag');
    res.set('cache-control', 'public, max-age=0').send('validated body'); // Express adds a weak ETag
  });
  app.get('/slow', async (_req, res) => {
    count('slow');
    await new Promise((r) => setTimeout(r, 50));
    res.set('cache-control', 'public, max-age=60').send('slow');
  });
  app.post('/products/:id', (_req, res) => {
    count('post');
    res.status(204).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(() => new Promise((r) => server.close(r)));
  closers.push(async () => server.closeAllConnections());
  return { port: (server.address() as AddressInfo).port, runs };
}

describe('cacheMiddleware (Express 5)', () => {
  it('answers a second request from the cache without running the route', async () => {
    const engine = new HttpCacheEngine();
    const { port, runs } = await expressApp(engine);
    const a = await get(port, '/products/1');
    const b = await get(port, '/products/1');
    expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(JSON.parse(b.body)).toEqual({ id: '1' });
    expect(b.headers['content-type']).toMatch(/application\/json/);
    expect(b.headers['surrogate-key']).toBeUndefined();
    expect(runs.product).toBe(1);
    expect(engine.stats()).toMatchObject({ requests: 2, hits: 1, misses: 1, stores: 1 });
  });

  it('does not store private responses, and a POST invalidates the URL', async () => {
    const engine = new HttpCacheEngine();
    const { port, runs } = await expressApp(engine);
    await get(port, '/private');
    await get(port, '/private');
    expect(runs.private).toBe(2);
    await get(port, '/products/2');
    expect((await get(port, '/products/2', { method: 'POST' })).status).toBe(204);
    expect((await get(port, '/products/2')).headers['x-cache']).toBe('MISS');
    expect(runs.product).toBe(2);
  });

  it('revalidates a stale response with the stored ETag: Express answers 304, the stored body is served', async () => {
    const { port, runs } = await expressApp(new HttpCacheEngine());
    const first = await get(port, '/etag');
    const second = await get(port, '/etag');
    expect(first.headers.etag).toBeDefined();
    expect(second.headers['x-cache']).toBe('REVALIDATED');
    expect(second.body).toBe('validated body');
    expect(runs.etag).toBe(2);
  });

  it('runs the route once for 20 concurrent misses', async () => {
    const { port, runs } = await expressApp(new HttpCacheEngine());
    const replies = await Promise.all(Array.from({ length: 20 }, () => get(port, '/slow')));
    expect(replies.every((r) => r.body === 'slow')).toBe(true);
    expect(runs.slow).toBe(1);
  });

  it('purges by surrogate key', async () => {
    const engine = new HttpCacheEngine();
    const { port, runs } = await expressApp(engine);
    await get(port, '/products/3');
    expect(engine.purgeSurrogateKey('product-3')).toBe(1);
    await get(port, '/products/3');
    expect(runs.product).toBe(2);
  });
});

describe('httpCachePlugin (Fastify 5)', () => {
  it('answers hits from the cache, runs the route on misses, and leaves uncacheable routes alone', async () => {
    const app = Fastify();
    let runs = 0;
    let privateRuns = 0;
    await app.register(httpCachePlugin, { maxSizeBytes: 1024 * 1024 });
    app.get('/products/:id', async (req, reply) => {
      runs++;
      return reply.header('cache-control', 'public, max-age=60').send({ id: (req.params as { id: string }).id });
    });
    app.get('/private', async (_req, reply) => {
      privateRuns++;
      return reply.header('cache-control', 'no-store').send('mine');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    const port = (app.server.address() as AddressInfo).port;
    const a = await get(port, '/products/7');
    const b = await get(port, '/products/7');
    expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['MISS', 'HIT']);
    expect(JSON.parse(b.body)).toEqual({ id: '7' });
    expect(runs).toBe(1);
    await get(port, '/private');
    expect((await get(port, '/private')).body).toBe('mine');
    expect(privateRuns).toBe(2);
    const cache = (app as unknown as { httpCache: HttpCacheEngine }).httpCache;
    expect(cache.stats()).toMatchObject({ requests: 4, hits: 1, misses: 3, uncacheable: 2 });
  });
});
