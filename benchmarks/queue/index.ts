import { Queue } from '@scaling/queue';
import fastq from 'fastq';
import PQueue from 'p-queue';
import { bytesPerItem, measure } from '../_lib/bench.js';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';

/** Tasks per benchmark iteration: tinybench costs ~40 ns per call, so each iteration runs a batch. */
const BATCH = 1_000;
const CONCURRENCIES = [1, 16] as const;
type Mode = 'all-at-once' | 'one-at-a-time';
const MODES: Mode[] = ['all-at-once', 'one-at-a-time'];
const PEERS = ['setImmediate baseline', 'promise floor', '@scaling/queue', 'fastq (promise)', 'p-queue'] as const;
type Peer = (typeof PEERS)[number];

const noop = async (): Promise<void> => {};
const fastqWorker = async (_: unknown): Promise<void> => {};
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const identity = <T>(v: T): T => v;
const pending: Array<(v: unknown) => void> = [];
const capture = (resolve: (v: unknown) => void): void => void pending.push(resolve);

/** One iteration body per peer, mode and concurrency. */
function suite(peer: Peer, mode: Mode, concurrency: number): () => Promise<void> {
  switch (peer) {
    case 'setImmediate baseline':
      // the tasks with no queue at all: run them, then one macrotask turn so they have settled
      return mode === 'all-at-once'
        ? async () => {
            for (let i = 0; i < BATCH; i++) void noop();
            await tick();
          }
        : async () => {
            for (let i = 0; i < BATCH; i++) await noop();
          };
    case 'promise floor':
      // the promise work any promise queue must do, with no queue logic: all at once, one caller promise per task
      // resolved after awaiting its task; one at a time, the task's promise chained once and awaited
      return mode === 'all-at-once'
        ? async () => {
            for (let i = 0; i < BATCH; i++) void new Promise(capture);
            for (let i = 0; i < BATCH; i++) {
              await noop();
              (pending[i] as (v: unknown) => void)(undefined);
            }
            pending.length = 0;
          }
        : async () => {
            for (let i = 0; i < BATCH; i++) await noop().then(identity);
          };
    case '@scaling/queue': {
      const q = new Queue({ concurrency });
      return mode === 'all-at-once'
        ? async () => {
            for (let i = 0; i < BATCH; i++) void q.add(noop);
            await q.onIdle();
          }
        : async () => {
            for (let i = 0; i < BATCH; i++) await q.add(noop);
          };
    }
    case 'fastq (promise)': {
      const q = fastq.promise(fastqWorker, concurrency);
      return mode === 'all-at-once'
        ? async () => {
            for (let i = 0; i < BATCH; i++) void q.push(i);
            await q.drained();
          }
        : async () => {
            for (let i = 0; i < BATCH; i++) await q.push(i);
          };
    }
    case 'p-queue': {
      const q = new PQueue({ concurrency });
      return mode === 'all-at-once'
        ? async () => {
            for (let i = 0; i < BATCH; i++) void q.add(noop);
            await q.onIdle();
          }
        : async () => {
            for (let i = 0; i < BATCH; i++) await q.add(noop);
          };
    }
  }
}

/** Heap bytes per queued (not yet started) task, the returned promise included. */
function memoryPerQueued(peer: Peer, n: number): number {
  return bytesPerItem(n, (count) => {
    const keep: unknown[] = [];
    if (peer === '@scaling/queue') {
      const q = new Queue({ concurrency: 1, paused: true });
      for (let i = 0; i < count; i++) keep.push(q.add(noop));
      keep.push(q);
    } else if (peer === 'fastq (promise)') {
      const q = fastq.promise(fastqWorker, 1);
      q.pause();
      for (let i = 0; i < count; i++) keep.push(q.push(i));
      keep.push(q);
    } else if (peer === 'p-queue') {
      const q = new PQueue({ concurrency: 1, autoStart: false });
      for (let i = 0; i < count; i++) keep.push(q.add(noop));
      keep.push(q);
    } else if (peer === 'promise floor') {
      pending.length = 0; // the resolve functions stay referenced here until the next build
      for (let i = 0; i < count; i++) keep.push(new Promise(capture));
    } else {
      for (let i = 0; i < count; i++) keep.push(noop());
    }
    return keep;
  });
}

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const tables: Table[] = [];
  const ratios: Ratio[] = [];
  const data: Chart['data'] = [];
  for (const mode of MODES) {
    for (const concurrency of CONCURRENCIES) {
      ctx.progress(`${mode}, concurrency ${concurrency}`);
      const tasks: Record<string, () => Promise<void>> = {};
      for (const peer of PEERS) tasks[peer] = suite(peer, mode, concurrency);
      const r = await measure(tasks, { quick: ctx.quick, timeMs: 1_000 });
      const ops = (p: Peer): number => (r[p]?.hz ?? 0) * BATCH;
      tables.push({
        title: `${BATCH} no-op async tasks, ${mode === 'all-at-once' ? 'all added at once' : 'added one at a time, awaiting each'}, concurrency ${concurrency}`,
        columns: ['queue', 'tasks/s', 'ns/task', '± %'],
        rows: PEERS.map((p) => [p, ops(p), (r[p]?.meanNs ?? 0) / BATCH, r[p]?.rme ?? 0]),
      });
      for (const p of PEERS) data.push({ series: `${mode}, c=${concurrency}`, x: p, y: ops(p) });
      ratios.push({
        name: `${mode} c=${concurrency} tasks/s vs the promise floor (share of the maximum)`,
        ours: '@scaling/queue',
        peer: 'promise floor',
        value: ops('@scaling/queue') / ops('promise floor'),
      });
      for (const [peer, target] of [
        ['fastq (promise)', 2],
        ['p-queue', 4],
      ] as const) {
        ratios.push({
          name: `${mode} c=${concurrency} tasks/s vs ${peer}`,
          ours: '@scaling/queue',
          peer,
          value: ops('@scaling/queue') / ops(peer),
          target: { op: '>=', value: target },
          ...(mode === 'all-at-once' && concurrency === 16 ? { headline: true } : {}),
        });
      }
    }
  }
  ctx.progress('memory per queued task');
  const n = ctx.quick ? 10_000 : 200_000;
  const mem = PEERS.map((p) => [p, memoryPerQueued(p, n)] as const);
  tables.push({
    title: `Heap bytes per queued task (${n.toLocaleString('en-US')} tasks waiting, returned promises kept)`,
    columns: ['queue', 'bytes/task'],
    rows: mem.map(([p, b]) => [p, b]),
    note: 'The baseline row is a settled promise per task; the floor row a pending promise with its resolve function kept (what any promise queue must hold).',
  });
  const ours = mem.find(([p]) => p === '@scaling/queue')?.[1] ?? 0;
  ratios.push({
    name: 'bytes per queued task (@scaling/queue)',
    ours: '@scaling/queue',
    peer: '(absolute)',
    value: ours,
    target: { op: '<=', value: 300 },
  });
  return {
    area: 'queue',
    title: 'queue: no-op async tasks against fastq and p-queue',
    tables,
    ratios,
    charts: [
      {
        id: 'throughput',
        title: `No-op async tasks per second (batches of ${BATCH})`,
        kind: 'bar',
        xLabel: 'queue',
        yLabel: 'tasks/s',
        data,
      },
      {
        id: 'memory',
        title: 'Heap bytes per queued task',
        kind: 'bar',
        xLabel: 'queue',
        yLabel: 'bytes',
        data: mem.map(([p, b]) => ({ series: 'bytes/task', x: p, y: b })),
      },
    ],
    notes: [
      'Same process, same run, interleaved; the machine (2 cores) was shared with other jobs, so absolute figures are noisy but ratios are same-run.',
    ],
  };
}
