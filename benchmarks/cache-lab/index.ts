// Hit-ratio lab: replays synthetic workloads and the cache2k traces (headissue GmbH, Jens Wilke, CC BY 4.0)
// through every eviction policy of `Cache` and Bélády's optimum (OPT), at several cache sizes; plus the
// get-hit throughput of the policies against lru-cache. `--trace FILE` replays one more trace (gzip of
// big-endian int32 keys, the format of ../shared/traces) at 0.5–20 % of its distinct keys.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Cache, type CachePolicy, DEFAULT_POLICY, LruCache } from '@scaling/cache';
import { seededRandom } from '@scaling/core';
import { LRUCache } from 'lru-cache';
import { measure, zipfSampler } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';

const POLICIES: CachePolicy[] = ['lru', 's3fifo', 'sieve', 'tinylfu'];
const CREDIT = 'cache2k traces by headissue GmbH (Jens Wilke), CC BY 4.0, as distributed with the Caffeine simulator.';
const here = import.meta.dirname;
const tracesDir = process.env.SCALING_TRACES_DIR ?? join(here, '..', '..', '..', 'shared', 'traces');
/** web07 and web12 ship with the cache package's tests, so they are replayed even without the folder above. */
const vendoredDir = join(here, '..', '..', 'packages', 'cache', 'test', 'fixtures', 'traces');

/** A workload: dense integer keys (0 … distinct − 1) in request order. */
interface Workload {
  name: string;
  keys: Int32Array;
  distinct: number;
  sizes: number[];
  /** Sizes listed in the traces README (targets apply there). */
  readmeSizes?: number[];
}

/** Renumber keys densely (0 … distinct − 1) so that every replay uses small-integer keys. */
function dense(raw: ArrayLike<number>): { keys: Int32Array; distinct: number } {
  const ids = new Map<number, number>();
  const keys = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const k = raw[i] as number;
    let id = ids.get(k);
    if (id === undefined) {
      id = ids.size;
      ids.set(k, id);
    }
    keys[i] = id;
  }
  return { keys, distinct: ids.size };
}

function readTrace(file: string): Int32Array {
  const bytes = gunzipSync(readFileSync(file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keys = new Int32Array(bytes.byteLength >>> 2);
  for (let i = 0; i < keys.length; i++) keys[i] = view.getInt32(i * 4, false);
  return keys;
}

function zipfKeys(n: number, alpha: number, requests: number, seed: number): Int32Array {
  const sample = zipfSampler(n, alpha, seededRandom(seed));
  const keys = new Int32Array(requests);
  for (let i = 0; i < requests; i++) keys[i] = sample();
  return keys;
}

/** Zipf(0.99) over `n` keys with a scan of `scan` never-repeated keys every `every` requests. */
function zipfWithScans(n: number, requests: number, every: number, scan: number, seed: number): Int32Array {
  const sample = zipfSampler(n, 0.99, seededRandom(seed));
  const keys = new Int32Array(requests);
  let fresh = n;
  for (let i = 0; i < requests; ) {
    for (let j = 0; j < every && i < requests; j++) keys[i++] = sample();
    for (let j = 0; j < scan && i < requests; j++) keys[i++] = fresh++;
  }
  return keys;
}

function loopKeys(length: number, requests: number): Int32Array {
  const keys = new Int32Array(requests);
  for (let i = 0; i < requests; i++) keys[i] = i % length;
  return keys;
}

/** Hit ratio (%) of `policy` at `capacity` entries: each request is a get, and a miss is set. */
function replay(policy: CachePolicy, keys: Int32Array, capacity: number): number {
  const cache = new Cache<number, number>({ max: capacity, policy });
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as number;
    if (cache.get(k) === undefined) cache.set(k, 1);
    else hits++;
  }
  return (100 * hits) / keys.length;
}

/**
 * Bélády's OPT (MIN): on a miss with the cache full, drop the entry (the new one included) whose next
 * request is farthest away. Next uses come from one backward pass; the cache is a max-heap on next use with
 * lazy deletion.
 */
function opt(keys: Int32Array, distinct: number, capacity: number): number {
  const n = keys.length;
  const nextUse = new Int32Array(n);
  const last = new Int32Array(distinct).fill(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    const k = keys[i] as number;
    nextUse[i] = last[k] as number;
    last[k] = i;
  }
  // current next use of each cached key (-1 = not cached)
  const cachedNext = new Int32Array(distinct).fill(-1);
  const heapNext = new Int32Array(n + 1);
  const heapKey = new Int32Array(n + 1);
  let heapSize = 0;
  const push = (next: number, key: number): void => {
    let i = heapSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((heapNext[p] as number) >= next) break;
      heapNext[i] = heapNext[p] as number;
      heapKey[i] = heapKey[p] as number;
      i = p;
    }
    heapNext[i] = next;
    heapKey[i] = key;
  };
  const pop = (): void => {
    const next = heapNext[--heapSize] as number;
    const key = heapKey[heapSize] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= heapSize) break;
      if (c + 1 < heapSize && (heapNext[c + 1] as number) > (heapNext[c] as number)) c++;
      if ((heapNext[c] as number) <= next) break;
      heapNext[i] = heapNext[c] as number;
      heapKey[i] = heapKey[c] as number;
      i = c;
    }
    heapNext[i] = next;
    heapKey[i] = key;
  };
  let size = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i] as number;
    const next = nextUse[i] as number;
    if (cachedNext[k] !== -1) {
      hits++;
      cachedNext[k] = next;
      push(next, k);
      continue;
    }
    if (size < capacity) {
      size++;
      cachedNext[k] = next;
      push(next, k);
      continue;
    }
    // Drop stale heap entries, then compare the farthest cached entry with the new one.
    while (cachedNext[heapKey[0] as number] !== heapNext[0]) pop();
    if ((heapNext[0] as number) > next) {
      cachedNext[heapKey[0] as number] = -1;
      pop();
      cachedNext[k] = next;
      push(next, k);
    }
  }
  return (100 * hits) / n;
}

const pct = (x: number): string => `${x.toFixed(2)} %`;
const points = (x: number): number => Math.round(x * 100) / 100;

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const quick = ctx.quick;
  const tables: Table[] = [];
  const charts: Chart[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  const results = new Map<string, Map<number, Record<string, number>>>();

  const replayAll = (w: Workload): void => {
    const bySize = new Map<number, Record<string, number>>();
    for (const capacity of w.sizes) {
      ctx.progress(`${w.name} @ ${capacity}`);
      const row: Record<string, number> = { OPT: opt(w.keys, w.distinct, capacity) };
      for (const p of POLICIES) row[p] = replay(p, w.keys, capacity);
      bySize.set(capacity, row);
    }
    results.set(w.name, bySize);
  };

  // ---- synthetic workloads -------------------------------------------------------------------------------
  const ZIPF_N = 100_000;
  const zipfRequests = quick ? 300_000 : 2_000_000;
  const alphas = quick ? [0.6, 0.99, 1.2] : [0.6, 0.7, 0.8, 0.9, 0.99, 1.1, 1.2];
  const alphaRows: Array<Array<string | number>> = [];
  for (const alpha of alphas) {
    const keys = zipfKeys(ZIPF_N, alpha, zipfRequests, 7);
    const sizes = alpha === 0.99 ? [100, 300, 1000, 3000, 10_000] : [1000];
    const w: Workload = { name: `Zipf(${alpha})`, ...dense(keys), sizes };
    replayAll(w);
    const row = results.get(w.name)?.get(1000) as Record<string, number>;
    alphaRows.push([String(alpha), ...POLICIES.map((p) => pct(row[p] as number)), pct(row.OPT as number)]);
  }
  tables.push({
    title: `Hit ratio on Zipf(α), ${ZIPF_N.toLocaleString('en-US')} keys, ${zipfRequests.toLocaleString('en-US')} requests, cache 1 % (1,000 entries)`,
    columns: ['α', ...POLICIES, 'OPT'],
    rows: alphaRows,
  });
  charts.push({
    id: 'zipf-alpha',
    title: 'Hit ratio vs Zipf α (100k keys, cache 1 %)',
    kind: 'line',
    xLabel: 'Zipf α',
    yLabel: 'hit ratio (%)',
    data: alphas.flatMap((alpha) => {
      const row = results.get(`Zipf(${alpha})`)?.get(1000) as Record<string, number>;
      return [...POLICIES, 'OPT'].map((series) => ({ series, x: alpha, y: points(row[series] as number) }));
    }),
  });

  const scanCache = 1000;
  const synthetic: Workload[] = [
    {
      name: 'Zipf(0.99) + scans',
      ...dense(zipfWithScans(ZIPF_N, quick ? 300_000 : 2_000_000, 20_000, 5_000, 11)),
      sizes: [300, 1000, 3000],
    },
    {
      name: `loop of ${Math.round(scanCache * 1.1)} keys`,
      ...dense(loopKeys(Math.round(scanCache * 1.1), quick ? 100_000 : 500_000)),
      sizes: [scanCache],
    },
  ];
  for (const w of synthetic) replayAll(w);

  // ---- traces --------------------------------------------------------------------------------------------
  const traceSpecs: Array<{ name: string; sizes: number[]; readme: number[]; big: boolean }> = [
    { name: 'web07', sizes: [125, 250, 500, 1000, 2000, 4000], readme: [500], big: false },
    { name: 'web12', sizes: [250, 500, 1000, 2000, 4000, 8000], readme: [2000], big: false },
    { name: 'orm-busy', sizes: [500, 1000, 2500, 5000, 10_000], readme: [1000, 5000], big: true },
    { name: 'orm-night', sizes: [1000, 2500, 5000, 10_000], readme: [5000], big: true },
  ];
  const traces: Workload[] = [];
  const external = existsSync(join(tracesDir, 'README.md'));
  if (!external) notes.push(`No traces at ${tracesDir} (set SCALING_TRACES_DIR): only the vendored web07 and web12 are replayed.`);
  for (const t of traceSpecs) {
    if (quick && t.big) continue;
    const file = `cache2k-${t.name}.i32be.gz`;
    const dir = external ? tracesDir : vendoredDir;
    if (!existsSync(join(dir, file))) continue;
    ctx.progress(`reading ${t.name}`);
    const w: Workload = { name: t.name, ...dense(readTrace(join(dir, file))), sizes: t.sizes, readmeSizes: t.readme };
    replayAll(w);
    traces.push(w);
  }
  const traceArg = ctx.args.indexOf('--trace');
  if (traceArg !== -1) {
    const file = ctx.args[traceArg + 1];
    if (file === undefined) throw new Error('--trace needs a FILE (gzip of big-endian int32 keys)');
    const d = dense(readTrace(file));
    const sizes = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2].map((f) => Math.max(1, Math.round(d.distinct * f)));
    const w: Workload = { name: basename(file).replace(/\.i32be\.gz$|\.gz$/, ''), ...d, sizes: [...new Set(sizes)] };
    replayAll(w);
    traces.push(w);
  }

  for (const w of [
    ...synthetic,
    results.has('Zipf(0.99)') ? { name: 'Zipf(0.99)', sizes: [100, 300, 1000, 3000, 10_000] } : undefined,
    ...traces,
  ]) {
    if (w === undefined) continue;
    const bySize = results.get(w.name) as Map<number, Record<string, number>>;
    const isTrace = traces.some((t) => t.name === w.name);
    const full =
      'keys' in w
        ? ` (${(w as Workload).keys.length.toLocaleString('en-US')} requests, ${(w as Workload).distinct.toLocaleString('en-US')} keys)`
        : '';
    tables.push({
      title: `Hit ratio on ${w.name}${full}`,
      columns: ['cache size (entries)', ...POLICIES, 'OPT', `${DEFAULT_POLICY} − lru (points)`],
      rows: w.sizes.map((size) => {
        const row = bySize.get(size) as Record<string, number>;
        const diff = (row[DEFAULT_POLICY] as number) - (row.lru as number);
        return [
          size.toLocaleString('en-US'),
          ...POLICIES.map((p) => pct(row[p] as number)),
          pct(row.OPT as number),
          `${diff >= 0 ? '+' : ''}${diff.toFixed(2)}`,
        ];
      }),
      ...(isTrace ? { note: `Trace: ${CREDIT}` } : {}),
    });
    if (w.sizes.length > 1) {
      charts.push({
        id: `hit-ratio-${w.name
          .replace(/[^a-z0-9]+/gi, '-')
          .replace(/-+$/, '')
          .toLowerCase()}`,
        title: `Hit ratio vs cache size: ${w.name}${isTrace ? ' (cache2k trace, CC BY 4.0)' : ''}`,
        kind: 'line',
        xLabel: 'cache size (entries)',
        yLabel: 'hit ratio (%)',
        logX: true,
        data: w.sizes.flatMap((size) => {
          const row = bySize.get(size) as Record<string, number>;
          return [...POLICIES, 'OPT'].map((series) => ({ series, x: size, y: points(row[series] as number) }));
        }),
      });
    }
  }

  // ---- targets -------------------------------------------------------------------------------------------
  const zipf99 = results.get('Zipf(0.99)')?.get(1000) as Record<string, number>;
  ratios.push({
    name: `Zipf(0.99), 100k keys, cache 1 %: ${DEFAULT_POLICY} − lru hit ratio (points)`,
    ours: DEFAULT_POLICY,
    peer: 'lru',
    value: points((zipf99[DEFAULT_POLICY] as number) - (zipf99.lru as number)),
    target: { op: '>=', value: 7 },
    headline: true,
  });
  for (const t of traces) {
    for (const size of t.readmeSizes ?? []) {
      const row = results.get(t.name)?.get(size) as Record<string, number>;
      const strict = t.name === 'web07' || t.name === 'web12';
      ratios.push({
        name: `${t.name} @ ${size}: ${DEFAULT_POLICY} − lru hit ratio (points)`,
        ours: DEFAULT_POLICY,
        peer: 'lru',
        value: points((row[DEFAULT_POLICY] as number) - (row.lru as number)),
        target: { op: '>=', value: strict ? 0 : -1.5 },
      });
    }
  }

  // ---- get-hit throughput --------------------------------------------------------------------------------
  const CAPACITY = 10_000;
  const BATCH = 10_000;
  const random = seededRandom(42);
  const keys = Array.from({ length: CAPACITY }, (_, i) => `user:${i}`);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  const contenders: Array<[string, { get(k: string): unknown; set(k: string, v: number): unknown }]> = [
    ['lru-cache', new LRUCache<string, number>({ max: CAPACITY })],
    ['LruCache', new LruCache<string, number>({ max: CAPACITY })],
    ...POLICIES.map((p): [string, Cache<string, number>] => [`Cache ${p}`, new Cache<string, number>({ max: CAPACITY, policy: p })]),
  ];
  const tasks: Record<string, () => void> = {};
  // Two shapes of the same loop: "shared", one call site for every cache class (as in ../cache, where
  // lru-cache's larger get is not inlined), and "own copy", a compiled copy per contender (new Function) whose
  // call site stays monomorphic, the best case for every contender.
  const state = { sink: 0 };
  for (const [name, cache] of contenders) {
    for (const k of keys) cache.set(k, 1);
    let p = 0;
    tasks[`${name} | shared`] = () => {
      let s = 0;
      for (let n = 0; n < BATCH; n++) {
        if (cache.get(keys[p] as string) !== undefined) s++;
        p = p === CAPACITY - 1 ? 0 : p + 1;
      }
      state.sink += s;
    };
    tasks[`${name} | own copy`] = new Function(
      'cache',
      'keys',
      'state',
      `let p = 0;
      return () => {
        let s = 0;
        for (let n = 0; n < ${BATCH}; n++) {
          if (cache.get(keys[p]) !== undefined) s++;
          p = p === ${CAPACITY - 1} ? 0 : p + 1;
        }
        state.sink += s;
      };`,
    )(cache, keys, state) as () => void;
  }
  // The machine is shared: measure in several rounds (task order reversed every other round) and take, per
  // ratio, the median of the same-round ratios, and per task the median ops/s.
  const rounds = quick ? 1 : 3;
  const perRound: Array<Record<string, number>> = [];
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`get-hit throughput, round ${round + 1} of ${rounds}`);
    const names = Object.keys(tasks);
    if (round % 2 === 1) names.reverse();
    const r = await measure(Object.fromEntries(names.map((n) => [n, tasks[n] as () => void])), { quick, timeMs: 250 });
    perRound.push(Object.fromEntries(names.map((n) => [n, (r[n]?.hz ?? 0) * BATCH])));
  }
  if (state.sink === 0.5) console.log(state.sink);
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  };
  const ops = (name: string): number => median(perRound.map((r) => r[name] as number));
  const vsPeer = (name: string, shape: string): number =>
    median(perRound.map((r) => (r[`${name} | ${shape}`] as number) / (r[`lru-cache | ${shape}`] as number)));
  tables.push({
    title: `get-hit throughput (ops/s, median of ${rounds} rounds; ${CAPACITY.toLocaleString('en-US')} string keys, all cached, batches of ${BATCH.toLocaleString('en-US')})`,
    columns: ['cache', 'shared call site', 'vs lru-cache', 'own copy (monomorphic)', 'vs lru-cache'],
    rows: contenders.map(([name]) => [
      name,
      `${(ops(`${name} | shared`) / 1e6).toFixed(2)} M`,
      vsPeer(name, 'shared').toFixed(2),
      `${(ops(`${name} | own copy`) / 1e6).toFixed(2)} M`,
      vsPeer(name, 'own copy').toFixed(2),
    ]),
    note: 'Ratios are medians of same-round ratios. "Shared": one loop for every contender, the shape of ../cache. "Own copy": one compiled loop per contender.',
  });
  for (const p of ['s3fifo', 'sieve'] as const) {
    for (const shape of ['shared', 'own copy']) {
      ratios.push({
        name: `get-hit ops/s (${shape} call site): Cache ${p} vs lru-cache`,
        ours: `Cache ${p}`,
        peer: 'lru-cache',
        value: vsPeer(`Cache ${p}`, shape),
        ...(shape === 'shared' ? { target: { op: '>=' as const, value: 1.5 } } : {}),
      });
    }
  }

  notes.push(
    `Traces: ${CREDIT}`,
    'Each request is get(key), and set(key) on a miss; hit ratio = hits / requests. OPT is Bélády’s MIN (the farthest next use is dropped, the incoming key included).',
    `Default policy of Cache: ${DEFAULT_POLICY}.`,
  );
  return { area: 'cache-lab', title: 'cache-lab: hit ratio of LRU, S3-FIFO, SIEVE, W-TinyLFU and OPT', tables, ratios, charts, notes };
}
