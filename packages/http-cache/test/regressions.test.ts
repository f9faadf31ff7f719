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

/** Resolves once `check()` holds, looking again on every turn of the event loop (rejects after `ms`). */
async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

describe('regressions from the new-user review (2026-12)', () => {
  const CAP = 16_384;

  // The first origin response is cacheable and outgrows `maxEntrySizeBytes`, then stalls until the second
  // request — which waited on its fetch — has been answered (or 1.5 s passed). Released when the body
  // passes the cap, the second request is answered first; held until the body ends, it is answered after.
  it.each([
    ['a chunked body (no Content-Length) as soon as it passes the cap', false],
    ['a body whose Content-Length is over the cap when its head arrives', true],
  ])(
    'new-user review, 2026-12: concurrent misses are released to fetch on their own for %s, not when the body ends',
    async (_name, declared) => {
      h = await harness({ maxSizeBytes: 1 << 20, maxEntrySizeBytes: CAP });
      const order: string[] = [];
      let secondAnswered!: () => void;
      const answered = new Promise<void>((r) => {
        secondAnswered = r;
      });
      h.setOrigin(async (_req, res) => {
        if (h.seen.length > 1) {
          res.setHeader('cache-control', 'max-age=60');
          res.end('second');
          return;
        }
        await until(() => h.proxy.stats().coalesced === 1);
        const head: Record<string, string> = { 'cache-control': 'max-age=60' };
        if (declared) head['content-length'] = String(2 * CAP + 1);
        res.writeHead(200, head);
        // Declared: less than the cap so far (only the header can release the waiters). Chunked: past the cap.
        res.write(Buffer.alloc(declared ? 100 : CAP + 1, 'a'));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([answered, new Promise((r) => (timer = setTimeout(r, 1500)))]);
        clearTimeout(timer);
        order.push('first body ended');
        res.end(Buffer.alloc(declared ? 2 * CAP + 1 - 100 : CAP, 'b'));
      });
      const first = h.get('/big');
      await until(() => h.seen.length === 1);
      const second = h.get('/big').then((r) => {
        order.push('second answered');
        secondAnswered();
        return r;
      });
      const [a, b] = await Promise.all([first, second]);
      expect(order).toEqual(['second answered', 'first body ended']);
      expect(a.body).toHaveLength(2 * CAP + 1);
      expect(b.body).toBe('second');
      expect(h.proxy.stats()).toMatchObject({ coalesced: 1, originRequests: 2, misses: 2 });
    },
  );

  it('new-user review, 2026-12: the cache’s own 502 and 504 say `x-cache: ERROR` (counted in `errors`), not MISS or PASS', async () => {
    h = await harness();
    const nothingStored = await h.get('/none', { headers: { 'cache-control': 'only-if-cached' } });
    expect([nothingStored.status, nothingStored.headers['x-cache']]).toEqual([504, 'ERROR']);
    await h.stopOrigin();
    const get = await h.get('/down');
    expect([get.status, get.headers['x-cache']]).toEqual([502, 'ERROR']);
    const post = await h.get('/down', { method: 'POST', body: 'x' });
    expect([post.status, post.headers['x-cache']]).toEqual([502, 'ERROR']);
    expect(h.proxy.stats()).toMatchObject({ requests: 3, errors: 3, misses: 0, passes: 0 });
  });
});
