// LruCache against the caches people pick instead (lru-cache, mnemonist, tiny-lru, quick-lru, lru.min) and a
// plain Map, on get-hit, set-with-eviction and a Zipf(0.99) get-or-set mix, with and without TTL, plus memory
// per entry at 10^6 entries. Every task body runs a batch of BATCH operations; ops/s = hz × BATCH.

import { LruCache } from '@scaling/cache';
import { seededRandom } from '@scaling/core';
import { createLRU } from 'lru.min';
import { LRUCache } from 'lru-cache';
import { LRUCache as MnemonistLru } from 'mnemonist';
import QuickLRU from 'quick-lru';
import { lru as tinyLru } from 'tiny-lru';
import { bytesPerItem, measure, zipfSampler } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';

/** The operations every contender offers. */
interface Contender {
  get(key: string): unknown;
  set(key: string, value: number): unknown;
}

type Factory = (max: number, ttlMs: number) => Contender;

/**
 * A plain Map used as a FIFO cache (insertion order kept in a ring of keys): the baseline of what the Map
 * operations alone cost, with no recency update on get. (`map.keys().next()` is not used for the oldest key:
 * after many deletes V8 walks the holes, which makes it quadratic.)
 */
class MapFifo implements Contender {
  readonly #map = new Map<string, number>();
  readonly #ring: Array<string | undefined>;
  #oldest = 0;
  constructor(readonly max: number) {
    this.#ring = new Array<string | undefined>(max).fill(undefined);
  }
  get(key: string): number | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: number): void {
    if (this.#map.get(key) === undefined) {
      if (this.#map.size >= this.max) this.#map.delete(this.#ring[this.#oldest] as string);
      this.#ring[this.#oldest] = key;
      this.#oldest = this.#oldest === this.max - 1 ? 0 : this.#oldest + 1;
    }
    this.#map.set(key, value);
  }
}

const OURS = '@scaling/cache';
const PEER = 'lru-cache';
const TTL_MS = 3_600_000;

/** name → factory; `null` ttl factory = no TTL support. */
const contenders: Array<{ name: string; plain: Factory; ttl: Factory | null }> = [
  { name: OURS, plain: (max) => new LruCache<string, number>({ max }), ttl: (max, ttl) => new LruCache<string, number>({ max, ttl }) },
  { name: PEER, plain: (max) => new LRUCache<string, number>({ max }), ttl: (max, ttl) => new LRUCache<string, number>({ max, ttl }) },
  { name: 'mnemonist', plain: (max) => new MnemonistLru<string, number>(max), ttl: null },
  { name: 'tiny-lru', plain: (max) => tinyLru<number>(max), ttl: (max, ttl) => tinyLru<number>(max, ttl) },
  {
    name: 'quick-lru',
    plain: (max) => new QuickLRU<string, number>({ maxSize: max }),
    ttl: (max, ttl) => new QuickLRU<string, number>({ maxSize: max, maxAge: ttl }),
  },
  { name: 'lru.min', plain: (max) => createLRU<string, number>({ max }), ttl: null },
  { name: 'Map (FIFO baseline)', plain: (max) => new MapFifo(max), ttl: null },
];

const BATCH = 10_000;
const CAPACITY = 10_000;
const UNIVERSE = 100_000;

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const random = seededRandom(42);
  const keys = Array.from({ length: UNIVERSE }, (_, i) => `user:${i}`);
  // get-hit: reads spread over a full cache, in a shuffled order
  const hitOrder = Array.from({ length: CAPACITY }, (_, i) => keys[i] as string);
  for (let i = hitOrder.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [hitOrder[i], hitOrder[j]] = [hitOrder[j] as string, hitOrder[i] as string];
  }
  const zipf = zipfSampler(UNIVERSE, 0.99, random);
  const zipfKeys = Array.from({ length: 1 << 16 }, () => keys[zipf()] as string);

  const byWorkload: Record<string, Record<string, () => void>> = { 'get-hit': {}, 'set with eviction': {}, 'Zipf(0.99) get-or-set': {} };
  let sink = 0;
  const workloads = ['get-hit', 'set with eviction', 'Zipf(0.99) get-or-set'] as const;
  // CACHE_BENCH_ONLY=name,name narrows the throughput run while profiling (the full run measures all).
  const only = process.env.CACHE_BENCH_ONLY?.split(',');
  for (const c of contenders) {
    if (only !== undefined && !only.includes(c.name)) continue;
    for (const withTtl of [false, true]) {
      const factory = withTtl ? c.ttl : c.plain;
      if (factory === null) continue;
      const suffix = withTtl ? ' +TTL' : '';
      {
        const cache = factory(CAPACITY, TTL_MS);
        for (const k of hitOrder) cache.set(k, 1);
        let p = 0;
        (byWorkload['get-hit'] as Record<string, () => void>)[`get-hit | ${c.name}${suffix}`] = () => {
          for (let n = 0; n < BATCH; n++) {
            if (cache.get(hitOrder[p] as string) !== undefined) sink++;
            p = p === CAPACITY - 1 ? 0 : p + 1;
          }
        };
      }
      {
        const cache = factory(CAPACITY, TTL_MS);
        let p = 0;
        (byWorkload['set with eviction'] as Record<string, () => void>)[`set with eviction | ${c.name}${suffix}`] = () => {
          for (let n = 0; n < BATCH; n++) {
            cache.set(keys[p] as string, n);
            p = p === UNIVERSE - 1 ? 0 : p + 1;
          }
        };
      }
      {
        const cache = factory(CAPACITY, TTL_MS);
        let p = 0;
        (byWorkload['Zipf(0.99) get-or-set'] as Record<string, () => void>)[`Zipf(0.99) get-or-set | ${c.name}${suffix}`] = () => {
          for (let n = 0; n < BATCH; n++) {
            const k = zipfKeys[p] as string;
            if (cache.get(k) === undefined) cache.set(k, n);
            else sink++;
            p = (p + 1) & 0xffff;
          }
        };
      }
    }
  }
  // Workload-major order, so the tasks compared in a ratio run close together in time on a busy machine.
  const tasks: Record<string, () => void> = Object.assign({}, ...Object.values(byWorkload));
  ctx.progress(`${Object.keys(tasks).length} throughput tasks`);
  const r = await measure(tasks, { quick: ctx.quick, timeMs: 600 });
  if (sink === 0.5) console.log(sink);
  const ops = (name: string): number => (r[name]?.hz ?? 0) * BATCH;

  // memory per entry at 10^6 entries: numeric keys and small-integer values, so only the structure counts
  ctx.progress('memory per entry');
  const memN = ctx.quick || only !== undefined ? 20_000 : 1_000_000;
  const memory: Array<[string, number, number | undefined]> = [];
  const numeric: Array<{
    name: string;
    plain: (n: number) => { set(k: number, v: number): unknown };
    ttl: ((n: number) => { set(k: number, v: number): unknown }) | null;
  }> = [
    {
      name: OURS,
      plain: (n) => new LruCache<number, number>({ max: n }),
      ttl: (n) => new LruCache<number, number>({ max: n, ttl: TTL_MS }),
    },
    {
      name: PEER,
      plain: (n) => new LRUCache<number, number>({ max: n }),
      ttl: (n) => new LRUCache<number, number>({ max: n, ttl: TTL_MS }),
    },
    { name: 'mnemonist', plain: (n) => new MnemonistLru<number, number>(n), ttl: null },
    {
      name: 'tiny-lru',
      plain: (n) => tinyLru<number>(n) as unknown as { set(k: number, v: number): unknown },
      ttl: (n) => tinyLru<number>(n, TTL_MS) as unknown as { set(k: number, v: number): unknown },
    },
    {
      name: 'quick-lru',
      plain: (n) => new QuickLRU<number, number>({ maxSize: n }),
      ttl: (n) => new QuickLRU<number, number>({ maxSize: n, maxAge: TTL_MS }),
    },
    { name: 'lru.min', plain: (n) => createLRU<number, number>({ max: n }), ttl: null },
    { name: 'Map (FIFO baseline)', plain: () => new Map<number, number>(), ttl: null },
  ];
  const fill = (make: (n: number) => { set(k: number, v: number): unknown }) => (n: number) => {
    const c = make(n);
    for (let i = 0; i < n; i++) c.set(i, i);
    return c;
  };
  const offHeap: number[][] = [];
  for (const c of numeric) {
    const plain = bytesPerItem(memN, fill(c.plain));
    const ttl = c.ttl === null ? undefined : bytesPerItem(memN, fill(c.ttl));
    memory.push([c.name, plain, ttl]);
    offHeap.push([offHeapBytesPerItem(memN, fill(c.plain)), c.ttl === null ? Number.NaN : offHeapBytesPerItem(memN, fill(c.ttl))]);
  }

  const tables: Table[] = [
    {
      title: `Throughput (ops/s; capacity ${CAPACITY.toLocaleString('en')}, ${UNIVERSE.toLocaleString('en')} string keys, batches of ${BATCH.toLocaleString('en')})`,
      columns: ['cache', ...workloads.flatMap((w) => [w, `${w} +TTL`])],
      rows: contenders.map((c) => [
        c.name,
        ...workloads.flatMap((w) => [Math.round(ops(`${w} | ${c.name}`)), c.ttl === null ? '–' : Math.round(ops(`${w} | ${c.name} +TTL`))]),
      ]),
      note: '+TTL: every entry has a 1-hour TTL (mnemonist, lru.min and Map have none). Map baseline: FIFO eviction, no recency update.',
    },
    {
      title: `Memory per entry at ${memN.toLocaleString('en')} entries (bytes; numeric keys, small-integer values)`,
      columns: ['cache', 'bytes/entry', 'bytes/entry +TTL', 'off-heap typed arrays', 'off-heap +TTL'],
      rows: memory.map(([n, p, t], k) => {
        const [o, ot] = offHeap[k] as number[];
        const r1 = (x: number | undefined): string | number => (x === undefined || Number.isNaN(x) ? '–' : Math.round(x * 10) / 10);
        return [n, r1(p), r1(t), r1(o), r1(ot)];
      }),
      note: 'bytes/entry is V8 heap growth (bytesPerItem, the targets). Typed arrays keep their data outside the V8 heap; the last two columns show that part (process.memoryUsage().arrayBuffers), which heapUsed does not include.',
    },
  ];

  const ratios: Ratio[] = [];
  for (const w of workloads) {
    ratios.push({
      name: `${w} ops/s vs lru-cache`,
      ours: OURS,
      peer: PEER,
      value: ops(`${w} | ${OURS}`) / ops(`${w} | ${PEER}`),
      target: { op: '>=', value: 1.25 },
      headline: !w.startsWith('set'),
    });
    ratios.push({
      name: `${w} +TTL ops/s vs lru-cache +TTL`,
      ours: `${OURS} +TTL`,
      peer: `${PEER} +TTL`,
      value: ops(`${w} | ${OURS} +TTL`) / ops(`${w} | ${PEER} +TTL`),
      target: { op: '>=', value: 1.25 },
    });
  }
  for (const w of workloads) {
    ratios.push({
      name: `${w}: TTL cost (1 − ops/s with TTL ÷ without)`,
      ours: `${OURS} +TTL`,
      peer: OURS,
      value: 1 - ops(`${w} | ${OURS} +TTL`) / ops(`${w} | ${OURS}`),
      target: { op: '<=', value: 0.15 },
    });
  }
  const ourMem = memory[0] as [string, number, number | undefined];
  const peerMem = memory[1] as [string, number, number | undefined];
  ratios.push({ name: 'bytes per entry (absolute, ours)', ours: OURS, peer: '—', value: ourMem[1], target: { op: '<=', value: 40 } });
  ratios.push({
    name: 'bytes per entry +TTL (absolute, ours)',
    ours: `${OURS} +TTL`,
    peer: '—',
    value: ourMem[2] ?? 0,
    target: { op: '<=', value: 56 },
  });
  ratios.push({ name: 'bytes per entry vs lru-cache (cost)', ours: OURS, peer: PEER, value: ourMem[1] / peerMem[1] });
  ratios.push({
    name: 'bytes per entry +TTL vs lru-cache +TTL (cost)',
    ours: `${OURS} +TTL`,
    peer: `${PEER} +TTL`,
    value: (ourMem[2] ?? 0) / (peerMem[2] ?? 1),
  });

  const charts: Chart[] = [
    {
      id: 'cache-ops',
      title: 'Cache throughput (ops/s, higher is better)',
      kind: 'bar',
      xLabel: 'workload',
      yLabel: 'ops/s',
      data: contenders.flatMap((c) =>
        workloads.flatMap((w) => [
          { series: c.name, x: w, y: ops(`${w} | ${c.name}`) },
          ...(c.ttl === null ? [] : [{ series: `${c.name} +TTL`, x: `${w} +TTL`, y: ops(`${w} | ${c.name} +TTL`) }]),
        ]),
      ),
    },
    {
      id: 'cache-memory',
      title: `Memory per entry at ${memN.toLocaleString('en')} entries (bytes, lower is better)`,
      kind: 'bar',
      xLabel: 'cache',
      yLabel: 'bytes/entry',
      data: memory.flatMap(([n, p, t]) => [{ series: 'no TTL', x: n, y: p }, ...(t === undefined ? [] : [{ series: 'TTL', x: n, y: t }])]),
    },
  ];

  return {
    area: 'cache',
    title: 'cache: LruCache vs lru-cache, mnemonist, tiny-lru, quick-lru, lru.min and Map',
    tables,
    ratios,
    charts,
    notes: ['Same-run ratios; the 2-core machine was shared with other engineers while this ran, so absolute figures are noisy.'],
  };
}

/** Bytes per item held in ArrayBuffers (outside the V8 heap), the part `bytesPerItem` does not see. */
function offHeapBytesPerItem(n: number, build: (n: number) => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('offHeapBytesPerItem needs node --expose-gc');
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const keep = build(n);
  gc();
  const after = process.memoryUsage().arrayBuffers;
  if (keep === Symbol.for('never')) console.log(keep);
  return (after - before) / n;
}
