// Express and Fastify routes that answer in several steps (a write then a later end, a file, a stream)
// behind the cache: captured, streamed to the first client, stored, and the coalesced requests released.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cacheMiddleware, HttpCacheEngine, type HttpCacheStats, httpCachePlugin } from '../src/index.js';

interface Reply {
  status: number;
  cache: string | undefined;
  body: Buffer;
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const dir = mkdtempSync(join(tmpdir(), 'http-cache-streaming-'));
const FILE = Buffer.alloc(200_000, 'f');
writeFileSync(join(dir, 'file.bin'), FILE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GETs `path`; `'HUNG'` when no answer came within `ms` (the bug these tests pin: later requests never answered). */
function get(port: number, path: string, options: { ms?: number; abortAfterMs?: number } = {}): Promise<Reply | 'HUNG' | 'ABORTED'> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cache: res.headers['x-cache'] as string, body: Buffer.concat(chunks) }));
      res.on('error', () => resolve('ABORTED'));
    });
    req.on('error', () => resolve('ABORTED'));
    req.end();
    const timer = setTimeout(
      () => {
        req.destroy();
        resolve(options.abortAfterMs !== undefined ? 'ABORTED' : 'HUNG');
      },
      options.abortAfterMs ?? options.ms ?? 2000,
    );
    req.on('close', () => {
      if (options.abortAfterMs === undefined) clearTimeout(timer);
    });
  });
}

/** The README's identity: every request ends in exactly one outcome. */
function outcomes(s: HttpCacheStats): number {
  return s.hits + s.stale + s.staleIfError + s.misses + s.revalidated + s.passes + s.errors;
}

async function listen(app: express.Express): Promise<number> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(() => new Promise((r) => server.close(r)));
  closers.push(async () => server.closeAllConnections());
  return (server.address() as AddressInfo).port;
}

describe('routes answering in several steps (new-user review, 2026-12)', () => {
  it('new-user review, 2026-12: Express route answering in several steps hung later requests (res.write, then res.end later)', async () => {
    const engine = new HttpCacheEngine();
    const app = express();
    app.use(cacheMiddleware(engine));
    let runs = 0;
    const body = Buffer.alloc(4096, 'z');
    app.get('/r', (_req, res) => {
      runs++;
      res.set('cache-control', 'public, max-age=60');
      res.write(body.subarray(0, 1));
      setTimeout(() => res.end(body.subarray(1)), 30);
    });
    const port = await listen(app);
    const first = await Promise.all([get(port, '/r'), get(port, '/r'), get(port, '/r')]);
    const later = await get(port, '/r');
    for (const r of [...first, later]) {
      expect(r).not.toBe('HUNG');
      expect((r as Reply).body.equals(body)).toBe(true);
    }
    expect(first.map((r) => (r as Reply).cache).sort()).toEqual(['HIT', 'HIT', 'MISS']);
    expect((later as Reply).cache).toBe('HIT');
    expect(runs).toBe(1);
    const s = engine.stats();
    expect(s).toMatchObject({ requests: 4, misses: 1, hits: 3, coalesced: 2, stores: 1 });
    expect(outcomes(s)).toBe(s.requests);
  });

  it('new-user review, 2026-12: Express res.sendFile and express.static of a file hung later requests', async () => {
    const engine = new HttpCacheEngine({ maxSizeBytes: 8 << 20, maxEntrySizeBytes: 1 << 20 });
    const app = express();
    app.use(cacheMiddleware(engine));
    app.use(express.static(dir, { maxAge: 60_000 }));
    app.get('/send', (_req, res) => {
      res.set('cache-control', 'public, max-age=60').sendFile(join(dir, 'file.bin'));
    });
    const port = await listen(app);
    for (const path of ['/file.bin', '/send']) {
      const first = await Promise.all([get(port, path), get(port, path)]);
      const later = await get(port, path);
      for (const r of [...first, later]) {
        expect(r).not.toBe('HUNG');
        expect((r as Reply).status).toBe(200);
        expect((r as Reply).body.equals(FILE)).toBe(true);
      }
      expect(first.map((r) => (r as Reply).cache).sort()).toEqual(['HIT', 'MISS']);
      expect((later as Reply).cache).toBe('HIT');
    }
    const s = engine.stats();
    expect(s).toMatchObject({ requests: 6, misses: 2, hits: 4, stores: 2 });
    expect(outcomes(s)).toBe(s.requests);
  });

  it('new-user review, 2026-12: Fastify reply.send(stream) hung later requests', async () => {
    const engine = new HttpCacheEngine({ maxSizeBytes: 8 << 20 });
    const app = Fastify();
    await app.register(httpCachePlugin, { engine });
    closers.push(() => app.close());
    let runs = 0;
    app.get('/stream', async (_req, reply) => {
      runs++;
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 4; i++) {
          await sleep(5);
          yield Buffer.alloc(8192, 's');
        }
      }
      return reply.header('cache-control', 'public, max-age=60').send(Readable.from(chunks()));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const first = await Promise.all([get(port, '/stream'), get(port, '/stream'), get(port, '/stream')]);
    const later = await get(port, '/stream');
    for (const r of [...first, later]) {
      expect(r).not.toBe('HUNG');
      expect((r as Reply).body).toHaveLength(4 * 8192);
    }
    expect(first.map((r) => (r as Reply).cache).sort()).toEqual(['HIT', 'HIT', 'MISS']);
    expect((later as Reply).cache).toBe('HIT');
    expect(runs).toBe(1);
    const s = engine.stats();
    expect(s).toMatchObject({ requests: 4, misses: 1, hits: 3, stores: 1 });
    expect(outcomes(s)).toBe(s.requests);
  });

  // The first client leaves while the route is still answering (before its head, or mid-body), or the route
  // fails after it started the body (Express destroys the socket): the requests waiting on it are released.
  it.each([
    ['the first client leaves before the route wrote anything', 'silent'],
    ['the first client leaves in the middle of the body', 'half'],
    ['the route throws after it started the body', 'throws'],
  ])('new-user review, 2026-12: waiting requests are released when %s', async (_name, mode) => {
    const engine = new HttpCacheEngine();
    const app = express();
    app.use(cacheMiddleware(engine));
    let runs = 0;
    app.get('/r', async (_req, res) => {
      runs++;
      const leader = runs === 1;
      res.set('cache-control', 'public, max-age=60');
      if (mode === 'silent' && leader) return; // never answers
      res.write('a');
      if (mode === 'half' && leader) return; // never ends
      await sleep(20);
      if (mode === 'throws' && leader) throw new Error('route failed after the head');
      res.end('b');
    });
    const port = await listen(app);
    const leader = get(port, '/r', { abortAfterMs: mode === 'throws' ? 1000 : 80 });
    await sleep(20);
    const waiters = await Promise.all([get(port, '/r'), get(port, '/r')]);
    expect(await leader).toBe('ABORTED');
    for (const r of waiters) {
      expect(r).not.toBe('HUNG');
      expect((r as Reply).body.toString()).toBe('ab');
    }
    await sleep(10);
    const s = engine.stats();
    expect(s.inflight).toBe(0);
    expect(outcomes(s)).toBe(s.requests);
    expect((await get(port, '/r')) as Reply).toMatchObject({ cache: 'HIT' });
  });
});
