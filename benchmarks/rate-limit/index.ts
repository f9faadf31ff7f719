// Rate limiting: in-process decisions/s and bytes per key against rate-limiter-flexible (memory) and
// @fastify/rate-limit's LocalStore; Redis decisions/s at 64 in flight against rate-limiter-flexible's Redis
// limiter (skipped with a note when Redis is not reachable); and the admission-control simulation.
import { createRequire } from 'node:module';
import { RateLimiter, toRedisCommand } from '@scaling/rate-limit';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { bytesPerItem, measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';
import { CAPACITY, SERVICE, simulate } from './_admission.js';

const require = createRequire(import.meta.url);
type LocalStoreT = { incr(key: string, cb: (e: unknown, r: unknown) => void, timeWindow: number, max: number): void };
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache: number,
) => LocalStoreT;

const BATCH = 1_000;
const KEYS = 10_000;
const keys = Array.from({ length: KEYS }, (_, i) => `client:${i}`);
const noop = (): void => {};
const BIG = 1_000_000_000;

async function inProcess(ctx: AreaContext, tables: Table[], ratios: Ratio[], data: Chart['data']): Promise<void> {
  ctx.progress('in-process decisions/s');
  const ours = new RateLimiter({ limits: { limit: BIG, periodMs: 1_000 } });
  const rlf = new RateLimiterMemory({ points: BIG, duration: 1 });
  const fastify = new LocalStore(false, false, KEYS * 2);
  let k = 0;
  const tasks: Record<string, () => unknown> = {
    '@scaling/rate-limit limit() (promise)': async () => {
      for (let i = 0; i < BATCH; i++) await ours.limit(keys[k++ % KEYS] as string);
    },
    'rate-limiter-flexible memory consume() (promise)': async () => {
      for (let i = 0; i < BATCH; i++) await rlf.consume(keys[k++ % KEYS] as string);
    },
    '@scaling/rate-limit limitSync()': () => {
      for (let i = 0; i < BATCH; i++) ours.limitSync(keys[k++ % KEYS] as string);
    },
    '@fastify/rate-limit LocalStore.incr() (callback)': () => {
      for (let i = 0; i < BATCH; i++) fastify.incr(keys[k++ % KEYS] as string, noop, 1_000, BIG);
    },
  };
  const r = await measure(tasks, { quick: ctx.quick, timeMs: 1_500 });
  const ops = (name: string): number => (r[name]?.hz ?? 0) * BATCH;
  tables.push({
    title: `In-process decisions/s (GCRA vs the peers' fixed windows; ${KEYS.toLocaleString('en-US')} clients, batches of ${BATCH})`,
    columns: ['limiter', 'decisions/s', 'ns/decision', '± %'],
    rows: Object.keys(tasks).map((n) => [n, ops(n), (r[n]?.meanNs ?? 0) / BATCH, r[n]?.rme ?? 0]),
  });
  for (const n of Object.keys(tasks)) data.push({ series: 'decisions/s', x: n, y: ops(n) });
  ratios.push({
    name: 'in-process decisions/s vs rate-limiter-flexible (memory), both promise APIs',
    ours: '@scaling/rate-limit limit()',
    peer: 'rate-limiter-flexible RateLimiterMemory',
    value: ops('@scaling/rate-limit limit() (promise)') / ops('rate-limiter-flexible memory consume() (promise)'),
    target: { op: '>=', value: 2 },
    headline: true,
  });
  ratios.push({
    name: "in-process decisions/s vs @fastify/rate-limit's LocalStore, both synchronous",
    ours: '@scaling/rate-limit limitSync()',
    peer: '@fastify/rate-limit LocalStore',
    value: ops('@scaling/rate-limit limitSync()') / ops('@fastify/rate-limit LocalStore.incr() (callback)'),
  });
}

function memory(ctx: AreaContext, tables: Table[], ratios: Ratio[]): void {
  const n = ctx.quick ? 20_000 : 1_000_000;
  ctx.progress(`bytes per key (${n} keys)`);
  const ours = bytesPerItem(n, (count) => {
    const l = new RateLimiter({ limits: { limit: 10, periodMs: 60_000 }, maxKeys: count });
    for (let i = 0; i < count; i++) l.limitSync(`k${i}`);
    return l;
  });
  const rlf = bytesPerItem(n, (count) => {
    const l = new RateLimiterMemory({ points: 10, duration: 60 });
    for (let i = 0; i < count; i++) void l.consume(`k${i}`).catch(noop);
    return l;
  });
  const fastify = bytesPerItem(n, (count) => {
    const s = new LocalStore(false, false, count);
    for (let i = 0; i < count; i++) s.incr(`k${i}`, noop, 60_000, 10);
    return s;
  });
  tables.push({
    title: `Heap bytes per key (${n.toLocaleString('en-US')} distinct keys, key strings included)`,
    columns: ['limiter', 'bytes/key'],
    rows: [
      ['@scaling/rate-limit (GCRA, LruCache slot + Float64Array)', ours],
      ['rate-limiter-flexible RateLimiterMemory', rlf],
      ['@fastify/rate-limit LocalStore (toad-cache LRU)', fastify],
    ],
    note: 'Keys are `k0`…: the key strings themselves (~24 bytes each) are part of every row.',
  });
  ratios.push({
    name: 'bytes per key (@scaling/rate-limit, in-process GCRA)',
    ours: '@scaling/rate-limit',
    peer: '(absolute)',
    value: ours,
    target: { op: '<=', value: 100 },
  });
  ratios.push({
    name: 'bytes per key: rate-limiter-flexible / ours',
    ours: '@scaling/rate-limit',
    peer: 'rate-limiter-flexible',
    value: rlf / ours,
  });
}

async function connectRedis(url: string): Promise<Redis | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch {
    client.disconnect();
    return undefined;
  }
}

async function redis(ctx: AreaContext, tables: Table[], ratios: Ratio[], notes: string[]): Promise<void> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = await connectRedis(url);
  if (client === undefined) {
    notes.push(`Redis not reachable at ${url}: the Redis decisions/s comparison was skipped.`);
    return;
  }
  try {
    ctx.progress('Redis decisions/s, 64 in flight');
    const prefix = `bench:rl:${process.pid}:`;
    let sends = 0;
    const send = toRedisCommand(client);
    const ours = new RateLimiter({
      limits: { limit: BIG, periodMs: 1_000 },
      redis: {
        client: (args, key) => {
          sends++;
          return send(args, key);
        },
        prefix,
        commandTimeoutMs: 1_000,
      },
    });
    const rlf = new RateLimiterRedis({ storeClient: client, points: BIG, duration: 1, keyPrefix: `${prefix}rlf` });
    let done = 0;
    const run = async (fn: (key: string) => Promise<unknown>, ms: number): Promise<number> => {
      done = 0;
      let i = 0;
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (performance.now() < end) {
            await fn(keys[i++ % KEYS] as string);
            done++;
          }
        }),
      );
      return done / (ms / 1000);
    };
    const ms = ctx.quick ? 200 : 3_000;
    const rounds = ctx.quick ? 1 : 3;
    let oursHz = 0;
    let rlfHz = 0;
    let decisions = 0;
    let sent = 0;
    await run((k) => ours.limit(k), 100); // warm-up: loads the script
    await run((k) => rlf.consume(k), 100);
    for (let r = 0; r < rounds; r++) {
      const before = sends;
      oursHz += (await run((k) => ours.limit(k), ms)) / rounds;
      sent += sends - before;
      decisions += done;
      rlfHz += (await run((k) => rlf.consume(k), ms)) / rounds;
    }
    tables.push({
      title: 'Redis decisions/s, 64 requests in flight, one ioredis connection (the machine’s Redis)',
      columns: ['limiter', 'decisions/s'],
      rows: [
        ['@scaling/rate-limit (GCRA in Lua, EVALSHA)', oursHz],
        ['rate-limiter-flexible RateLimiterRedis (fixed window in Lua)', rlfHz],
      ],
    });
    ratios.push({
      name: "Redis decisions/s at 64 in flight vs rate-limiter-flexible's RateLimiterRedis",
      ours: '@scaling/rate-limit',
      peer: 'rate-limiter-flexible RateLimiterRedis',
      value: oursHz / rlfHz,
      target: { op: '>=', value: 1.2 },
      headline: true,
    });
    ratios.push({
      name: 'Redis round trips per decision (@scaling/rate-limit)',
      ours: '@scaling/rate-limit',
      peer: '(absolute)',
      value: sent / decisions,
      target: { op: '<=', value: 1.01 },
    });
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await client.del(...found);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

function admission(ctx: AreaContext, tables: Table[], ratios: Ratio[]): Chart {
  const durationMs = ctx.quick ? 10_000 : 60_000;
  const loads = [0.5, 1, 1.5, 2, 3, 4];
  const modes = [
    ['none', 'no limiter'],
    ['gradient2', 'ConcurrencyLimiter (Gradient2, default)'],
    ['aimd', 'ConcurrencyLimiter (AIMD)'],
  ] as const;
  const data: Chart['data'] = [];
  const rows: Table['rows'] = [];
  for (const [mode, label] of modes) {
    for (const load of loads) {
      ctx.progress(`admission simulation: ${label}, ${load}× capacity`);
      const r = simulate(mode, load, durationMs);
      rows.push([label, `${load}×`, r.share, r.shedShare, r.meanLimit, r.meanLatencyMs]);
      data.push({ series: label, x: load, y: r.share });
      if (load === 3 && mode === 'gradient2') {
        ratios.push({
          name: 'admission control: goodput / capacity at 3× overload (Gradient2)',
          ours: 'ConcurrencyLimiter',
          peer: '(absolute)',
          value: r.share,
          target: { op: '>=', value: 0.9 },
          headline: true,
        });
      }
      if (load === 3 && mode === 'aimd') {
        ratios.push({
          name: 'admission control: goodput / capacity at 3× overload (AIMD)',
          ours: 'ConcurrencyLimiter',
          peer: '(absolute)',
          value: r.share,
        });
      }
      if (load === 3 && mode === 'none') {
        ratios.push({
          name: 'admission control: goodput / capacity at 3× overload without a limiter (collapse)',
          ours: 'no limiter',
          peer: '(absolute)',
          value: r.share,
        });
      }
    }
  }
  tables.push({
    title: `Admission control in virtual time: goodput (answers within ${SERVICE.timeoutMs} ms) / capacity (${CAPACITY}/s)`,
    columns: ['server', 'offered load', 'goodput / capacity', 'shed share', 'mean limit', 'mean latency ms'],
    rows,
    note: `Service: ${SERVICE.cores} requests at ${SERVICE.serviceMs} ms each; beyond that latency × load × (1 + ${SERVICE.thrash} × (load − 1)); Poisson arrivals; ${durationMs / 1000} s simulated, the first fifth as warm-up; shed requests cost nothing.`,
  });
  return {
    id: 'admission',
    title: 'Goodput / capacity vs offered load',
    kind: 'line',
    xLabel: 'offered load (× capacity)',
    yLabel: 'goodput / capacity',
    data,
  };
}

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const tables: Table[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  const data: Chart['data'] = [];
  await inProcess(ctx, tables, ratios, data);
  memory(ctx, tables, ratios);
  await redis(ctx, tables, ratios, notes);
  const admissionChart = admission(ctx, tables, ratios);
  return {
    area: 'rate-limit',
    title:
      'rate-limit: decisions/s and bytes per key against rate-limiter-flexible and @fastify/rate-limit; admission control under overload',
    tables,
    ratios,
    charts: [
      { id: 'decisions', title: 'In-process decisions per second', kind: 'bar', xLabel: 'limiter', yLabel: 'decisions/s', data },
      admissionChart,
    ],
    notes: [
      ...notes,
      'GCRA does more per decision than the peers’ fixed windows (which allow 2× the limit at a window edge); same process, same run.',
    ],
  };
}
