import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness } from './_helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const N = 200;

/** Resolves once the proxy server has received `n` requests. */
async function allReceived(n: number): Promise<void> {
  while (h.received() < n) await new Promise((r) => setImmediate(r));
}

describe('request coalescing', () => {
  it('200 concurrent requests for a cold cacheable URL → 1 origin request', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      // Answer only once every client request has reached the proxy, so all of them overlap the fetch.
      allReceived(N).then(() => {
        res.setHeader('cache-control', 'max-age=60');
        res.end('shared');
      });
    });
    const replies = await Promise.all(Array.from({ length: N }, () => h.get('/cold')));
    expect(replies.every((r) => r.status === 200 && r.body === 'shared')).toBe(true);
    expect(h.seen).toHaveLength(1);
    expect(h.proxy.originRequests).toBe(1);
  });

  it('200 concurrent requests for an uncacheable URL → 200 origin requests', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'private');
      res.end('mine');
    });
    const replies = await Promise.all(Array.from({ length: N }, () => h.get('/private')));
    expect(replies.every((r) => r.body === 'mine')).toBe(true);
    expect(h.seen).toHaveLength(N);
  });

  it('once a URL is known uncacheable, requests are not queued behind each other (hit-for-miss)', async () => {
    h = await harness();
    const held: ServerResponse[] = [];
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'no-store');
      if (h.seen.length === 1) {
        res.end('first');
        return;
      }
      // Hold every response until all 50 are at the origin at once: queued requests would never get here.
      held.push(res);
      if (held.length === 50) for (const r of held) r.end('later');
    });
    await h.get('/nostore');
    const replies = await Promise.all(Array.from({ length: 50 }, () => h.get('/nostore')));
    expect(replies.every((r) => r.body === 'later')).toBe(true);
    expect(h.seen).toHaveLength(51);
  });

  it('without coalescing, concurrent misses all reach the origin', async () => {
    h = await harness({ coalesce: false });
    const held: ServerResponse[] = [];
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      held.push(res);
      if (held.length === 20) for (const r of held) r.end('x');
    });
    await Promise.all(Array.from({ length: 20 }, () => h.get('/nc')));
    expect(h.seen).toHaveLength(20);
  });
});
