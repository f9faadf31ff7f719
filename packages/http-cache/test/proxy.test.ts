import { afterEach, describe, expect, it } from 'vitest';
import { createCachingProxy } from '../src/index.js';
import { type Harness, harness } from './_helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Lets pending I/O callbacks (a background revalidation) run. */
const settle = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('caching reverse proxy', () => {
  it('serves a miss from the origin, then hits from the cache with Age', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end('hello');
    });
    const first = await h.get('/a');
    expect(first).toMatchObject({ status: 200, body: 'hello' });
    expect(first.headers['x-cache']).toBe('MISS');
    h.clock.advance(5000);
    const second = await h.get('/a');
    expect(second).toMatchObject({ status: 200, body: 'hello' });
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers.age).toBe('5');
    expect(h.seen).toHaveLength(1);
    h.clock.advance(56_000);
    expect((await h.get('/a')).headers['x-cache']).toBe('MISS');
    expect(h.seen).toHaveLength(2);
  });

  it('keys variants by Vary, normalised', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('vary', 'Accept-Language');
      res.end(`lang=${req.headers['accept-language']}`);
    });
    expect((await h.get('/v', { headers: { 'accept-language': 'en, fr' } })).body).toBe('lang=en, fr');
    expect((await h.get('/v', { headers: { 'accept-language': 'de' } })).body).toBe('lang=de');
    const again = await h.get('/v', { headers: { 'accept-language': 'en,   fr' } });
    expect(again.body).toBe('lang=en, fr');
    expect(again.headers['x-cache']).toBe('HIT');
    expect(h.seen).toHaveLength(2);
  });

  it('obeys CDN-Cache-Control over Cache-Control and forwards both unchanged (RFC 9213)', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'no-store');
      res.setHeader('cdn-cache-control', 'max-age=60');
      res.end('edge');
    });
    await h.get('/cdn');
    const hit = await h.get('/cdn');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-control']).toBe('no-store');
    expect(h.seen).toHaveLength(1);
  });

  it('obeys a configured targeted field first', async () => {
    h = await harness({ targetedCacheControl: ['acme-cache-control', 'cdn-cache-control'] });
    h.setOrigin((_req, res) => {
      res.setHeader('cdn-cache-control', 'max-age=60');
      res.setHeader('acme-cache-control', 'no-store');
      res.end('x');
    });
    await h.get('/t');
    expect((await h.get('/t')).headers['x-cache']).toBe('MISS');
    expect(h.seen).toHaveLength(2);
  });

  it('stale-while-revalidate: serves stale at once and revalidates in the background', async () => {
    h = await harness();
    let version = 1;
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=10, stale-while-revalidate=60');
      res.end(`v${version}`);
    });
    await h.get('/swr');
    version = 2;
    h.clock.advance(11_000);
    const stale = await h.get('/swr');
    expect(stale.body).toBe('v1');
    expect(stale.headers['x-cache']).toBe('STALE');
    await settle(() => h.seen.length === 2 && h.proxy.store.lookup('/swr', {})?.body.toString() === 'v2');
    const fresh = await h.get('/swr');
    expect(fresh.body).toBe('v2');
    expect(fresh.headers['x-cache']).toBe('HIT');
    expect(h.seen).toHaveLength(2);
  });

  it('revalidates a stale response with its ETag and serves the stored body on 304', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=30', 'x-version': 'updated' });
        res.end();
        return;
      }
      res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=1', 'x-version': 'original' });
      res.end('body-1');
    });
    await h.get('/etag');
    h.clock.advance(2000);
    const revalidated = await h.get('/etag');
    expect(revalidated).toMatchObject({ status: 200, body: 'body-1' });
    expect(revalidated.headers['x-cache']).toBe('REVALIDATED');
    expect(revalidated.headers['x-version']).toBe('updated');
    h.clock.advance(20_000);
    expect((await h.get('/etag')).headers['x-cache']).toBe('HIT');
    expect(h.seen).toHaveLength(2);
  });

  it('answers a client conditional request from the cache with 304', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.writeHead(200, { etag: '"e"', 'cache-control': 'max-age=60' });
      res.end('x');
    });
    await h.get('/c');
    const r = await h.get('/c', { headers: { 'if-none-match': 'W/"e"' } });
    expect(r.status).toBe(304);
    expect(h.seen).toHaveLength(1);
  });

  it('stale-if-error: serves the stale response on a 5xx and when the origin is down', async () => {
    h = await harness();
    let fail = false;
    h.setOrigin((_req, res) => {
      if (fail) {
        res.statusCode = 503;
        res.end('down');
        return;
      }
      res.setHeader('cache-control', 'max-age=1, stale-if-error=60');
      res.end('good');
    });
    await h.get('/sie');
    fail = true;
    h.clock.advance(5000);
    const onError = await h.get('/sie');
    expect(onError).toMatchObject({ status: 200, body: 'good' });
    expect(onError.headers['x-cache']).toBe('STALE-IF-ERROR');
    await h.stopOrigin();
    expect((await h.get('/sie')).body).toBe('good');
    h.clock.advance(60_000);
    expect((await h.get('/sie')).status).toBe(502);
  });

  it('purges by URL and by surrogate key, and does not forward Surrogate-Key', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('surrogate-key', req.url === '/p/1' ? 'product-1 products' : 'products');
      res.end(req.url);
    });
    const first = await h.get('/p/1');
    expect(first.headers['surrogate-key']).toBeUndefined();
    await h.get('/p/2');
    await h.get('/p/3');
    expect(h.proxy.purge('/p/3')).toBe(true);
    expect(h.proxy.purgeSurrogateKey('product-1')).toBe(1);
    expect((await h.get('/p/1')).headers['x-cache']).toBe('MISS');
    expect((await h.get('/p/2')).headers['x-cache']).toBe('HIT');
    expect((await h.get('/p/3')).headers['x-cache']).toBe('MISS');
    expect(h.proxy.purgeSurrogateKey('products')).toBe(3);
    expect((await h.get('/p/2')).headers['x-cache']).toBe('MISS');
  });

  it('streams a response over the per-entry cap without storing it', async () => {
    h = await harness({ maxSizeBytes: 1 << 20, maxEntrySizeBytes: 10_000 });
    const big = 'x'.repeat(50_000);
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end(big);
    });
    expect((await h.get('/big')).body).toBe(big);
    expect((await h.get('/big')).headers['x-cache']).toBe('MISS');
    expect(h.seen).toHaveLength(2);
  });

  it('passes POST bodies through', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => res.end(`${req.method}:${body}`));
    });
    const r = await h.get('/form', { method: 'POST', body: 'a=1' });
    expect(r.body).toBe('POST:a=1');
    expect(r.headers['x-cache']).toBe('PASS');
  });

  it('a client conditional miss is fetched in full, stored, and still answered', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      expect(req.headers['if-none-match']).toBeUndefined();
      res.writeHead(200, { etag: '"e"', 'cache-control': 'max-age=60' });
      res.end('x');
    });
    const miss = await h.get('/cond', { headers: { 'if-none-match': '"e"' } });
    expect(miss.body).toBe('x');
    expect((await h.get('/cond', { headers: { 'if-none-match': '"e"' } })).status).toBe(304);
    expect((await h.get('/cond')).body).toBe('x');
    expect(h.seen).toHaveLength(1);
  });

  it('does not store a response to an Authorization request without public / s-maxage, but does with them', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      res.setHeader('cache-control', req.url === '/shared' ? 's-maxage=60' : 'max-age=60');
      res.end(String(req.headers.authorization));
    });
    const auth = { headers: { authorization: 'Bearer alice' } };
    await h.get('/mine', auth);
    expect((await h.get('/mine', auth)).headers['x-cache']).toBe('MISS');
    await h.get('/shared', auth);
    expect((await h.get('/shared', auth)).headers['x-cache']).toBe('HIT');
  });

  it('only-if-cached answers 504 on a miss', async () => {
    h = await harness();
    expect((await h.get('/none', { headers: { 'cache-control': 'only-if-cached' } })).status).toBe(504);
    expect(h.seen).toHaveLength(0);
  });

  it('a store can be shared and keeps at most 32 variants per URL', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('vary', 'x-v');
      res.end(String(req.headers['x-v']));
    });
    for (let i = 0; i < 40; i++) await h.get('/many', { headers: { 'x-v': String(i) } });
    expect((await h.get('/many', { headers: { 'x-v': '39' } })).headers['x-cache']).toBe('HIT');
    expect((await h.get('/many', { headers: { 'x-v': '0' } })).headers['x-cache']).toBe('MISS');
  });

  it('a body cut short by the origin is not stored and releases the waiting requests', async () => {
    h = await harness();
    let truncate = true;
    h.setOrigin((_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': '100' });
      if (truncate) {
        res.write('0123456789');
        setImmediate(() => res.socket?.destroy());
        return;
      }
      res.end('x'.repeat(100));
    });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => h.get('/cut')));
    expect(outcomes.every((o) => o.status === 'rejected' || o.value.body.length < 100)).toBe(true);
    truncate = false;
    const whole = await h.get('/cut');
    expect(whole.body).toHaveLength(100);
    expect((await h.get('/cut')).headers['x-cache']).toBe('HIT');
  });

  it('rejects unknown options with a hint', () => {
    expect(() => createCachingProxy({ origin: 'http://127.0.0.1:1', ttl: 5 } as never)).toThrow(TypeError);
    expect(() => createCachingProxy({ origin: 'ftp://x' })).toThrow(TypeError);
    expect(() => createCachingProxy({ origin: 'http://x', originTimeoutMs: 0 })).toThrow(RangeError);
  });

  it('new-user review: an origin with a path, an entry cap above the store size and a heuristic fraction above 1 are errors at construction', () => {
    // the base path used to be dropped silently (`/x` went to the origin's `/x`, not `/base/x`)
    expect(() => createCachingProxy({ origin: 'http://127.0.0.1:1/base/' })).toThrow(/without a path or query/);
    expect(() => createCachingProxy({ origin: 'http://127.0.0.1:1/?a=1' })).toThrow(TypeError);
    expect(() => createCachingProxy({ origin: 'http://127.0.0.1:1/' }).close()).not.toThrow();
    expect(() => createCachingProxy({ origin: 'http://x', maxSizeBytes: 1_000, maxEntrySizeBytes: 2_000 })).toThrow(/maxEntrySizeBytes/);
    expect(() => createCachingProxy({ origin: 'http://x', heuristicFraction: 2 })).toThrow(/heuristicFraction/);
  });
});
