// stats(), events and channels: every documented channel fires, and the outcome counters add up.
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { isStatsHistogram } from '@scaling/core/internal';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpCacheStats } from '../src/index.js';
import { type Harness, harness } from './_helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const OUTCOMES = ['hits', 'stale', 'staleIfError', 'misses', 'revalidated', 'passes', 'errors'] as const;
const BY_HEADER: Record<string, (typeof OUTCOMES)[number]> = {
  HIT: 'hits',
  STALE: 'stale',
  'STALE-IF-ERROR': 'staleIfError',
  MISS: 'misses',
  REVALIDATED: 'revalidated',
  PASS: 'passes',
  ERROR: 'errors',
};

describe('channels', () => {
  it('publishes store, purge and evict on scaling:http-cache:<event>, and traces origin fetches', async () => {
    h = await harness({ maxSizeBytes: 4096, maxEntrySizeBytes: 2048 });
    h.setOrigin((req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.setHeader('surrogate-key', 'all');
      res.end(req.url?.startsWith('/big') ? 'x'.repeat(1500) : 'small');
    });
    const seen: Record<string, unknown[]> = { store: [], purge: [], evict: [] };
    const subs = Object.keys(seen).map((e) => {
      const fn = (m: unknown): void => {
        seen[e]?.push(m);
      };
      channel(`scaling:http-cache:${e}`).subscribe(fn);
      return () => channel(`scaling:http-cache:${e}`).unsubscribe(fn);
    });
    const traced: string[] = [];
    const tc = tracingChannel('scaling:http-cache:fetch');
    const handlers = {
      start: (c: unknown) => traced.push(`start ${(c as { key: string }).key}`),
      end: () => undefined,
      asyncStart: (c: unknown) => traced.push(`asyncStart ${(c as { status: number }).status}`),
      asyncEnd: () => undefined,
      error: () => traced.push('error'),
    };
    tc.subscribe(handlers);
    const listened: string[] = [];
    const off = h.proxy.on('store', ({ key }) => listened.push(key));
    try {
      await h.get('/a');
      await h.get('/big');
      await h.get('/big?2');
      await h.get('/big?3'); // over 4096 bytes in all: something is evicted
      expect(h.proxy.purge('/a') || h.proxy.purgeSurrogateKey('all') > 0).toBe(true);
    } finally {
      for (const s of subs) s();
      tc.unsubscribe(handlers);
      off();
    }
    expect(seen.store?.length).toBe(4);
    expect(seen.store?.[0]).toMatchObject({ key: '/a', status: 200, bytes: 5, source: h.proxy });
    expect((seen.store?.[0] as { ttlMs: number } | undefined)?.ttlMs ?? 0).toBeGreaterThan(58_000); // max-age minus the Date-derived age
    expect(listened).toEqual(['/a', '/big', '/big?2', '/big?3']);
    expect(seen.evict?.length).toBeGreaterThan(0);
    expect(seen.evict?.[0]).toMatchObject({ reason: 'evict' });
    expect(seen.purge?.length).toBe(1);
    expect(traced.slice(0, 2)).toEqual(['start /a', 'asyncStart 200']);
    expect(traced.filter((t) => t.startsWith('start')).length).toBe(4);
    expect(h.proxy.stats().evictions).toBe(seen.evict?.length);
  });

  it('rejects unknown event names', async () => {
    h = await harness();
    expect(() => h?.proxy.on('nope' as 'store', () => undefined)).toThrow(TypeError);
  });
});

describe('stats()', () => {
  it('is a fresh snapshot with the origin request histogram', async () => {
    h = await harness();
    h.setOrigin((_req, res) => {
      res.setHeader('cache-control', 'max-age=60');
      res.end('x');
    });
    await h.get('/x');
    const a = h.proxy.stats();
    const b = h.proxy.stats();
    expect(a).not.toBe(b);
    expect(isStatsHistogram(a.requestDuration)).toBe(true);
    expect(a.requestDuration).not.toBe(b.requestDuration);
    expect(a.requestDuration.count).toBe(1);
    expect(a).toMatchObject({ requests: 1, misses: 1, originRequests: 1, keys: 1, inflight: 0 });
    expect(a.size).toBeGreaterThan(0);
  });

  it('outcome counters add up to requests and match the x-cache of every response (property)', async () => {
    const modes = ['cacheable', 'swr', 'etag', 'no-store', 'error', 'sie'] as const;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('get' as const), path: fc.constantFrom('/a', '/b', '/c'), mode: fc.constantFrom(...modes) }),
      fc.record({ kind: fc.constant('post' as const), path: fc.constantFrom('/a', '/b') }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ kind: fc.constant('purge' as const), path: fc.constantFrom('/a', '/b') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const local = await harness();
        let mode: (typeof modes)[number] = 'cacheable';
        local.setOrigin((req, res) => {
          if (mode === 'error') {
            res.statusCode = 500;
            res.end('boom');
            return;
          }
          const cc = {
            cacheable: 'max-age=1',
            swr: 'max-age=1, stale-while-revalidate=2',
            etag: 'max-age=1',
            'no-store': 'no-store',
            sie: 'max-age=1, stale-if-error=5',
          }[mode];
          res.setHeader('cache-control', cc);
          if (mode === 'etag') {
            res.setHeader('etag', '"v1"');
            if (req.headers['if-none-match'] === '"v1"') {
              res.statusCode = 304;
              res.end();
              return;
            }
          }
          res.end('body');
        });
        const seen: Record<string, number> = {};
        try {
          for (const o of ops) {
            if (o.kind === 'get') {
              mode = o.mode;
              const r = await local.get(o.path);
              const outcome = BY_HEADER[String(r.headers['x-cache'])];
              if (outcome !== undefined) seen[outcome] = (seen[outcome] ?? 0) + 1;
            } else if (o.kind === 'post') {
              await local.get(o.path, { method: 'POST', body: 'x' });
              seen.passes = (seen.passes ?? 0) + 1;
            } else if (o.kind === 'tick') local.clock.advance(o.ms);
            else local.proxy.purge(o.path);
          }
          // background revalidations settle (the machine may be loaded: wait for them, bounded)
          for (let i = 0; i < 200 && (local.proxy.stats().inflight > 0 || local.seen.length !== local.proxy.stats().originRequests); i++) {
            await new Promise((r) => setTimeout(r, 10));
          }
          await new Promise((r) => setTimeout(r, 10));
          const s: HttpCacheStats = local.proxy.stats();
          expect(OUTCOMES.reduce((sum, k) => sum + s[k], 0)).toBe(s.requests);
          for (const k of OUTCOMES) expect(s[k]).toBe(seen[k] ?? 0);
          expect(s.originRequests).toBe(local.seen.length);
          expect(s.requestDuration.count).toBe(s.originRequests);
        } finally {
          await local.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
