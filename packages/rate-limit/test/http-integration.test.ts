// The Express middleware and the Fastify plugin in real apps on loopback ports: IETF RateLimit and
// RateLimit-Policy headers, 429 with Retry-After, keys by IP (X-Forwarded-For only when trusted), user or function.
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { clientIp, RateLimiter, rateLimitMiddleware, rateLimitPlugin } from '../src/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function expressApp(limiter: RateLimiter, options?: Parameters<typeof rateLimitMiddleware>[1]): Promise<string> {
  const app = express();
  app.use((req, _res, next) => {
    const u = req.headers['x-user'];
    if (typeof u === 'string') (req as unknown as { user: { id: string } }).user = { id: u };
    next();
  });
  app.use(rateLimitMiddleware(limiter, options));
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function fastifyApp(limiter: RateLimiter, options?: Omit<Parameters<typeof rateLimitPlugin>[1], 'limiter'>): Promise<string> {
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    const u = request.headers['x-user'];
    if (typeof u === 'string') (request as unknown as { user: { id: string } }).user = { id: u };
  });
  await app.register(rateLimitPlugin, { limiter, ...options });
  app.get('/', async () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  closers.push(() => app.close());
  return `${url}/`;
}

const apps = { express: expressApp, fastify: fastifyApp } as const;

for (const [name, start] of Object.entries(apps)) {
  describe(`${name}`, () => {
    it('sets RateLimit-Policy and RateLimit on every response and answers 429 with Retry-After', async () => {
      const url = await start(new RateLimiter({ limits: [{ limit: 2, periodMs: 10_000, name: 'api' }] }));
      const r1 = await fetch(url);
      expect(r1.status).toBe(200);
      expect(r1.headers.get('ratelimit-policy')).toBe('"api";q=2;w=10');
      expect(r1.headers.get('ratelimit')).toBe('"api";r=1;t=5');
      expect((await fetch(url)).headers.get('ratelimit')).toBe('"api";r=0;t=10');
      const r3 = await fetch(url);
      expect(r3.status).toBe(429);
      expect(r3.headers.get('retry-after')).toBe('5');
      expect(r3.headers.get('ratelimit')).toMatch(/^"api";r=0;t=(9|10)$/);
      expect(await r3.json()).toMatchObject({ error: 'Too Many Requests', policy: 'api' });
    });

    it('keys by the peer address and ignores X-Forwarded-For unless trustProxy is set', async () => {
      const url = await start(new RateLimiter({ limits: { limit: 1, periodMs: 60_000 } }));
      expect((await fetch(url, { headers: { 'x-forwarded-for': '10.0.0.1' } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'x-forwarded-for': '10.0.0.2' } })).status).toBe(429);
    });

    it('with trustProxy: 1 keys by the client address the proxy appended', async () => {
      const url = await start(new RateLimiter({ limits: { limit: 1, periodMs: 60_000 } }), { trustProxy: 1 });
      expect((await fetch(url, { headers: { 'x-forwarded-for': '10.0.0.1' } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'x-forwarded-for': '10.0.0.2' } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'x-forwarded-for': 'spoofed, 10.0.0.1' } })).status).toBe(429);
    });

    it("key 'user' limits per authenticated user; a function key returning undefined skips limiting", async () => {
      const url = await start(new RateLimiter({ limits: { limit: 1, periodMs: 60_000 } }), { key: 'user' });
      expect((await fetch(url, { headers: { 'x-user': 'alice' } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'x-user': 'bob' } })).status).toBe(200);
      expect((await fetch(url, { headers: { 'x-user': 'alice' } })).status).toBe(429);
      const open = await start(new RateLimiter({ limits: { limit: 1, periodMs: 60_000 } }), {
        key: (req) => (req.headers['x-user'] === undefined ? undefined : String(req.headers['x-user'])),
      });
      for (let i = 0; i < 3; i++) expect((await fetch(open)).status).toBe(200);
    });
  });
}

describe('HTTP options', () => {
  it('unknown options are errors, with hints for express-rate-limit names', () => {
    const limiter = new RateLimiter({ limits: { limit: 1, periodMs: 1000 } });
    expect(() => rateLimitMiddleware(limiter, { windowMs: 1000 } as never)).toThrow(/Unknown option `windowMs`.*RateLimiter/);
    expect(() => rateLimitMiddleware(limiter, { keyGenerator: () => 'x' } as never)).toThrow(/use `key/);
    expect(() => rateLimitMiddleware(limiter, { trustProxy: -1 })).toThrow(RangeError);
    expect(() => rateLimitMiddleware({} as never)).toThrow(/RateLimiter/);
  });

  it('clientIp takes the n-th address from the right with n trusted proxies', () => {
    const req = { headers: { 'x-forwarded-for': 'a, b, c' }, socket: { remoteAddress: 'p' } };
    expect(clientIp(req, 0)).toBe('p');
    expect(clientIp(req, 1)).toBe('c');
    expect(clientIp(req, 3)).toBe('a');
    expect(clientIp(req, 9)).toBe('a');
  });
});
