import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness } from './_helpers.js';

// Named after undici's cache-interceptor fix history (issue 21's list).
let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('regressions from undici', () => {
  it('undici: a Vary: * response is never served from cache', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'public, max-age=60');
      res.setHeader('vary', '*');
      res.end('x');
    });
    await h.get('/star');
    expect((await h.get('/star')).headers['x-cache']).toBe('MISS');
    expect(h.seen).toHaveLength(2);
  });

  it('undici: a 304 updates the stored headers and not the body', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      if (req.headers['if-modified-since'] !== undefined) {
        res.writeHead(304, { 'cache-control': 'max-age=60', 'x-rev': '2', 'content-type': 'text/plain' });
        res.end();
        return;
      }
      res.writeHead(200, {
        'cache-control': 'max-age=1',
        'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
        'x-rev': '1',
        'content-type': 'text/plain',
      });
      res.end('the body');
    });
    await h.get('/lm');
    h.clock.advance(2000);
    const r = await h.get('/lm');
    expect(r.body).toBe('the body');
    expect(r.headers['x-rev']).toBe('2');
    expect(r.headers['content-length']).toBe('8');
    const hit = await h.get('/lm');
    expect(hit).toMatchObject({ body: 'the body' });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-rev']).toBe('2');
  });

  it('undici: a HEAD request does not poison the GET entry', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end('full body');
    });
    const head = await h.get('/h', { method: 'HEAD' });
    expect(head.body).toBe('');
    const get = await h.get('/h');
    expect(get.body).toBe('full body');
    // A HEAD is then answered from the GET entry.
    const head2 = await h.get('/h', { method: 'HEAD' });
    expect(head2.headers['x-cache']).toBe('HIT');
    expect(head2.body).toBe('');
    expect((await h.get('/h')).body).toBe('full body');
  });

  it('undici: a response with no-cache="Set-Cookie" is stored without that header', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60, no-cache="Set-Cookie"');
      res.setHeader('set-cookie', 'session=secret');
      res.end('page');
    });
    const miss = await h.get('/cookie');
    expect(miss.headers['set-cookie']).toEqual(['session=secret']);
    const hit = await h.get('/cookie');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['set-cookie']).toBeUndefined();
  });

  it('undici: unsafe methods invalidate same-origin Location / Content-Location targets', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(201, { location: '/items/1', 'content-location': 'http://elsewhere.test/items/2' });
        res.end();
        return;
      }
      res.setHeader('cache-control', 'max-age=60');
      res.end(req.url);
    });
    await h.get('/items');
    await h.get('/items/1');
    await h.get('/items/2');
    await h.get('/items', { method: 'POST', body: '{}' });
    expect((await h.get('/items')).headers['x-cache']).toBe('MISS');
    expect((await h.get('/items/1')).headers['x-cache']).toBe('MISS');
    expect((await h.get('/items/2')).headers['x-cache']).toBe('HIT');
  });

  it('an error response to an unsafe method invalidates nothing', async () => {
    h = await harness();
    h.setOrigin((req, res) => {
      if (req.method === 'DELETE') {
        res.statusCode = 500;
        res.end();
        return;
      }
      res.setHeader('cache-control', 'max-age=60');
      res.end('x');
    });
    await h.get('/keep');
    await h.get('/keep', { method: 'DELETE' });
    expect((await h.get('/keep')).headers['x-cache']).toBe('HIT');
  });
});
