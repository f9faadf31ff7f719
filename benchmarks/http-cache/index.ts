// HTTP cache benchmarks (issue 21), loopback only, bounded in time:
// 1. hit latency (p50, sequential keep-alive requests) and throughput (concurrent) of the caching reverse
//    proxy vs a bare node:http server answering the same 1 KiB body — interleaved rounds, medians;
// 2. client-side hits: our undici interceptor vs undici's own cache interceptor, in one process;
// 3. origin offload on a Zipf(0.99) URL mix with max-age and stale-while-revalidate: origin requests per
//    1,000 client requests, with and without request coalescing.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cacheInterceptor, createCachingProxy } from '@scaling/http-cache';
import { Agent, Client, type Dispatcher, interceptors, Pool, request } from 'undici';
import { zipfSampler } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Ratio, Table } from '../_lib/types.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[(s.length - 1) >> 1] as number);
};
const round1 = (x: number): number => Math.round(x * 10) / 10;

async function startServers(): Promise<{ child: ChildProcess; bare: number; proxy: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'servers.ts'), '1024'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`servers exited with ${code}`)));
  });
  const ports = JSON.parse(line) as { bare: number; proxy: number };
  return { child, ...ports };
}

/** p50 of `n` sequential requests in µs. */
async function sequentialP50(client: Dispatcher, origin: string, n: number): Promise<number> {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const r = await client.request({ origin, path: '/item', method: 'GET' });
    await r.body.dump();
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  samples.sort();
  return samples[n >> 1] as number;
}

/** Requests per second with `concurrency` requests in flight for `ms`. */
async function throughput(pool: Dispatcher, origin: string, concurrency: number, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const r = await pool.request({ origin, path: '/item', method: 'GET' });
      await r.body.dump();
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (done / (performance.now() - start)) * 1000;
}

async function proxyVsBare(ctx: AreaContext, tables: Table[], ratios: Ratio[]): Promise<void> {
  const { child, bare, proxy } = await startServers();
  const bareUrl = `http://127.0.0.1:${bare}`;
  const proxyUrl = `http://127.0.0.1:${proxy}`;
  const clients = { bare: new Client(bareUrl), proxy: new Client(proxyUrl) };
  const pools = { bare: new Pool(bareUrl, { connections: 8 }), proxy: new Pool(proxyUrl, { connections: 8 }) };
  const rounds = ctx.quick ? 1 : 7;
  const n = ctx.quick ? 200 : 3000;
  const p50: Record<'bare' | 'proxy', number[]> = { bare: [], proxy: [] };
  const rps: Record<'bare' | 'proxy', number[]> = { bare: [], proxy: [] };
  try {
    await sequentialP50(clients.proxy, proxyUrl, 50); // warm: the first request is the miss
    await sequentialP50(clients.bare, bareUrl, 50);
    for (let r = 0; r < rounds; r++) {
      ctx.progress(`proxy hit vs bare node:http, round ${r + 1}/${rounds}`);
      for (const k of r % 2 === 0 ? (['bare', 'proxy'] as const) : (['proxy', 'bare'] as const)) {
        p50[k].push(await sequentialP50(clients[k], k === 'bare' ? bareUrl : proxyUrl, n));
        rps[k].push(await throughput(pools[k], k === 'bare' ? bareUrl : proxyUrl, 32, ctx.quick ? 200 : 1000));
      }
    }
  } finally {
    for (const c of [...Object.values(clients), ...Object.values(pools)]) await c.close();
    child.kill('SIGTERM');
  }
  const cost = median(p50.proxy.map((p, i) => p - (p50.bare[i] as number)));
  tables.push({
    title: 'Reverse proxy hit vs bare node:http (1 KiB body, loopback, keep-alive)',
    columns: ['server', 'p50 latency (µs, sequential)', 'throughput (req/s, 32 in flight)'],
    rows: [
      ['bare node:http (same body)', round1(median(p50.bare)), Math.round(median(rps.bare))],
      ['@scaling/http-cache proxy, hit', round1(median(p50.proxy)), Math.round(median(rps.proxy))],
    ],
    note: `median of ${rounds} interleaved rounds; hit cost above bare p50 = ${round1(cost)} µs (median of per-round differences); servers in their own process`,
  });
  ratios.push({
    name: 'proxy hit p50 − bare node:http p50 (µs)',
    ours: `${round1(median(p50.proxy))} µs`,
    peer: `${round1(median(p50.bare))} µs`,
    value: round1(cost),
    target: { op: '<=', value: 30 },
    headline: true,
  });
  ratios.push({
    name: 'proxy hit throughput ÷ bare node:http throughput',
    ours: `${Math.round(median(rps.proxy))} req/s`,
    peer: `${Math.round(median(rps.bare))} req/s`,
    value: Math.round((median(rps.proxy) / median(rps.bare)) * 100) / 100,
  });
}

async function clientSide(ctx: AreaContext, tables: Table[], ratios: Ratio[]): Promise<void> {
  const body = Buffer.alloc(1024, 'x');
  let originHits = 0;
  const server = http.createServer((_req, res) => {
    originHits++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'cache-control': 'public, max-age=3600' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const a1 = new Agent();
  const a2 = new Agent();
  const ours = a1.compose(cacheInterceptor());
  const theirs = a2.compose(interceptors.cache());
  const rounds = ctx.quick ? 1 : 7;
  const n = ctx.quick ? 500 : 20_000;
  const us: Record<'ours' | 'undici', number[]> = { ours: [], undici: [] };
  try {
    await sequentialP50(ours, origin, 20);
    await sequentialP50(theirs, origin, 20);
    for (let r = 0; r < rounds; r++) {
      ctx.progress(`client-side hit, round ${r + 1}/${rounds}`);
      for (const k of r % 2 === 0 ? (['ours', 'undici'] as const) : (['undici', 'ours'] as const)) {
        us[k].push(await sequentialP50(k === 'ours' ? ours : theirs, origin, n));
      }
    }
  } finally {
    await a1.close();
    await a2.close();
    server.closeAllConnections();
    server.close();
  }
  tables.push({
    title: 'Client-side hit (undici request through a cache interceptor, 1 KiB body, in process)',
    columns: ['interceptor', 'p50 latency (µs)'],
    rows: [
      ['@scaling/http-cache cacheInterceptor', round1(median(us.ours))],
      ['undici interceptors.cache (MemoryCacheStore)', round1(median(us.undici))],
    ],
    note: `median of ${rounds} interleaved rounds of ${n} sequential requests; origin requests: ${originHits} (the two warm-up misses)`,
  });
  ratios.push({
    name: 'client-side hit p50: cacheInterceptor ÷ undici interceptors.cache (lower is better)',
    ours: `${round1(median(us.ours))} µs`,
    peer: `${round1(median(us.undici))} µs`,
    value: Math.round((median(us.ours) / median(us.undici)) * 100) / 100,
  });
}

async function offload(ctx: AreaContext, tables: Table[]): Promise<void> {
  const urls = 1000;
  const seconds = ctx.quick ? 0.5 : 5;
  const warmup = ctx.quick ? 0.2 : 2;
  const rate = 800; // client requests per second
  const rows: Table['rows'] = [];
  const policies = [
    ['max-age=1', 'public, max-age=1'],
    ['max-age=1, stale-while-revalidate=10', 'public, max-age=1, stale-while-revalidate=10'],
  ] as const;
  for (const [label, cacheControl] of policies) {
    for (const coalesce of [true, false]) {
      ctx.progress(`origin offload, ${label}, coalescing ${coalesce ? 'on' : 'off'}`);
      let originRequests = 0;
      const origin = http.createServer((_req, res) => {
        originRequests++;
        setTimeout(() => {
          res.writeHead(200, { 'cache-control': cacheControl, 'content-length': 512 });
          res.end(Buffer.alloc(512, 'y'));
        }, 50);
      });
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      const proxy = createCachingProxy({ origin: `http://127.0.0.1:${(origin.address() as { port: number }).port}`, coalesce });
      const front = http.createServer(proxy.handler);
      await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(front.address() as { port: number }).port}`;
      const pool = new Pool(base, { connections: 64 });
      let seed = 42;
      const random = (): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x80000000;
      };
      const next = zipfSampler(urls, 0.99, random);
      let sent = 0;
      // Open loop: a fixed arrival rate whatever the answers' latency, so the runs see the same traffic.
      const drive = async (ms: number): Promise<void> => {
        const inflight: Promise<void>[] = [];
        const ticks = Math.round(ms / 10);
        for (let t = 0; t < ticks; t++) {
          for (let k = 0; k < rate / 100; k++) {
            sent++;
            inflight.push(
              request(`${base}/p/${next()}`, { dispatcher: pool }).then(
                (r) => r.body.dump(),
                () => undefined,
              ),
            );
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        await Promise.all(inflight);
      };
      await drive(warmup * 1000); // past the cold start: every popular URL stored once
      const before = { ...proxy.stats(), sent, originRequests };
      await drive(seconds * 1000);
      await new Promise((r) => setTimeout(r, 100)); // background revalidations land
      const after = proxy.stats();
      sent -= before.sent;
      originRequests -= before.originRequests;
      const s = {
        coalesced: after.coalesced - before.coalesced,
        backgroundRevalidations: after.backgroundRevalidations - before.backgroundRevalidations,
      };
      rows.push([
        label,
        coalesce ? 'on' : 'off',
        sent,
        round1((originRequests / sent) * 1000),
        round1((s.coalesced / sent) * 1000),
        round1((s.backgroundRevalidations / sent) * 1000),
      ]);
      await pool.close();
      proxy.close();
      front.closeAllConnections();
      front.close();
      origin.closeAllConnections();
      origin.close();
    }
  }
  tables.push({
    title: `Origin offload: Zipf(0.99) over ${urls} URLs, ${rate} requests/s (open loop) for ${seconds} s after ${warmup} s of warm-up, origin answers in 50 ms`,
    columns: [
      'origin Cache-Control',
      'coalescing',
      'client requests',
      'origin requests / 1,000',
      'coalesced / 1,000',
      'background revalidations / 1,000',
    ],
    rows,
    note: 'one run per row, counted after the warm-up (timer-driven arrivals: a loaded machine delivers somewhat fewer than the nominal rate)',
  });
}

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const tables: Table[] = [];
  const ratios: Ratio[] = [];
  const load = loadavg()[0]?.toFixed(1);
  await proxyVsBare(ctx, tables, ratios);
  await clientSide(ctx, tables, ratios);
  await offload(ctx, tables);
  return {
    area: 'http-cache',
    title: 'HTTP cache (@scaling/http-cache)',
    tables,
    ratios,
    charts: [],
    notes: [`load average at start: ${load} (shared machine)`],
  };
}
