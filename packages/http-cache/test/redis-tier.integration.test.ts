// Two caching proxies (two "instances") sharing responses through @scaling/cache-redis on the machine's
// Redis (127.0.0.1:6379), under a unique key prefix deleted afterwards (never FLUSHALL).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTieredCache, type TieredCache } from '@scaling/cache-redis';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type CachingProxy, createCachingProxy, type TierVariant } from '../src/index.js';

const REDIS_URL = process.env.REDIS_URL ?? '';
const skip = REDIS_URL === '';
if (skip) console.warn('http-cache redis tier: REDIS_URL not set (no Redis on 6379?) — skipped');

const listen = (server: http.Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

function get(port: number, path: string): Promise<{ cache: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ cache: res.headers['x-cache'] as string | undefined, body }));
      })
      .on('error', reject);
  });
}

async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skip)('a Redis tier shared by two proxies', () => {
  const prefix = `scaling-test:http-cache:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
  const admin = skip ? undefined : new Redis(REDIS_URL);

  afterAll(async () => {
    if (admin === undefined) return;
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
    admin.disconnect();
  });

  it('a response stored by one instance is served by the other, and a purge on one reaches both', async () => {
    let originHits = 0;
    const origin = http.createServer((req, res) => {
      originHits++;
      res.setHeader('cache-control', 'public, max-age=60');
      res.setHeader('surrogate-key', 'catalog');
      res.end(`page ${req.url}`);
    });
    const originPort = await listen(origin);
    const clients: Redis[] = [];
    const tiers: TieredCache<TierVariant[]>[] = [];
    const proxies: CachingProxy[] = [];
    const servers: http.Server[] = [];
    const ports: number[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
        clients.push(client);
        const tier = createTieredCache<TierVariant[]>({ redis: client, prefix, ttl: 60_000 });
        await tier.ready();
        tiers.push(tier);
        const proxy = createCachingProxy({ origin: `http://127.0.0.1:${originPort}`, tier });
        proxies.push(proxy);
        const server = http.createServer(proxy.handler);
        servers.push(server);
        ports.push(await listen(server));
      }
      const [a, b] = ports as [number, number];
      expect(await get(a, '/p/1')).toEqual({ cache: 'MISS', body: 'page /p/1' });
      await eventually(
        'the response to reach Redis',
        async () => (await (tiers[1] as TieredCache<TierVariant[]>).get('/p/1')) !== undefined,
      );
      expect(await get(b, '/p/1')).toEqual({ cache: 'HIT', body: 'page /p/1' });
      expect(await get(b, '/p/1')).toEqual({ cache: 'HIT', body: 'page /p/1' });
      expect(originHits).toBe(1);
      expect(proxies[1]?.stats()).toMatchObject({ tierHits: 1, hits: 2, tierErrors: 0 });

      expect(proxies[0]?.purgeSurrogateKey('catalog')).toBe(1);
      await eventually('the purge to reach instance b', () => (proxies[1] as CachingProxy).store.keys === 0);
      expect((await get(b, '/p/1')).cache).toBe('MISS');
      expect(originHits).toBe(2);
    } finally {
      for (const p of proxies) p.close();
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
      await Promise.all(tiers.map((t) => t.close()));
      for (const c of clients) c.disconnect();
      origin.closeAllConnections();
      origin.close();
    }
  });
});
