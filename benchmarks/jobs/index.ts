// Background jobs end to end (enqueue → handler → ack) on each backend, our layer against the raw
// broker client doing the same work in the same run, plus enqueue-to-start latency. Brokers: the
// machine's Redis (6379) and NATS (4222); a broker that is not reachable is skipped with a note.
import { createConnection } from 'node:net';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { defineJob, InProcessBackend, type JobBackend, JobQueue } from '@scaling/jobs';
import { BullMqBackend } from '@scaling/jobs-bullmq';
import { JetStreamBackend } from '@scaling/jobs-nats';
import { Queue } from '@scaling/queue';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import type { AreaContext, AreaReport, Chart, Ratio, Table } from '../_lib/types.js';

const CONCURRENCY = 16;
const reachable = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const c = createConnection({ port, host: '127.0.0.1' }, () => {
      c.destroy();
      r(true);
    });
    c.once('error', () => r(false));
  });
const uid = (): string => `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

/** Jobs/s through our layer: enqueue `n` jobs, then one worker drains them. */
async function ours(backend: JobBackend, n: number): Promise<number> {
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const job = defineJob('bench', async () => {
    if (++done === n) finish();
  });
  const q = new JobQueue({ backend, jobs: [job] });
  const t0 = performance.now();
  const enq: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) enq.push(q.enqueue(job, { i }));
  await Promise.all(enq);
  const w = q.work({ concurrency: CONCURRENCY });
  await all;
  const s = (performance.now() - t0) / 1000;
  await w.close();
  await q.close();
  return n / s;
}

/** Enqueue-to-start latency (ms) of `n` jobs enqueued one after another into a running worker. */
async function latency(backend: JobBackend, n: number): Promise<number[]> {
  const lat: number[] = [];
  let started = 0;
  const job = defineJob('lat', async (p: { t: number }) => {
    lat.push(Date.now() - p.t);
    started++;
  });
  const q = new JobQueue({ backend, jobs: [job] });
  const w = q.work({ concurrency: CONCURRENCY });
  await w.ready();
  for (let i = 0; i < n; i++) {
    await q.enqueue(job, { t: Date.now() });
    await new Promise((r) => setTimeout(r, 1));
  }
  while (started < n) await new Promise((r) => setTimeout(r, 5));
  await w.close();
  await q.close();
  return lat;
}

async function rawQueue(n: number): Promise<number> {
  const q = new Queue({ concurrency: CONCURRENCY });
  const t0 = performance.now();
  const ps: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const payload = { i };
    ps.push(q.add(async () => void payload));
  }
  await Promise.all(ps);
  return n / ((performance.now() - t0) / 1000);
}

async function rawBullmq(n: number): Promise<number> {
  const name = `rawbench_${uid()}`;
  const connection = { host: '127.0.0.1', port: 6379 };
  const queue = new BullQueue(name, { connection });
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const t0 = performance.now();
  const enq: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) enq.push(queue.add('bench', { i }, { removeOnComplete: true }));
  await Promise.all(enq);
  const worker = new BullWorker(
    name,
    async () => {
      if (++done === n) finish();
    },
    { connection, concurrency: CONCURRENCY },
  );
  await all;
  const s = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return n / s;
}

async function rawJetStream(n: number): Promise<number> {
  const id = uid();
  const nc = await connect({ servers: '127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: `RAW_${id}`, subjects: [`raw.${id}.>`], retention: RetentionPolicy.Workqueue });
  await jsm.consumers.add(`RAW_${id}`, { durable_name: 'w', ack_policy: AckPolicy.Explicit, filter_subject: `raw.${id}.bench` });
  const js = jetstream(nc);
  const t0 = performance.now();
  const enc = new TextEncoder();
  const pubs: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) pubs.push(js.publish(`raw.${id}.bench`, enc.encode(JSON.stringify({ i }))));
  await Promise.all(pubs);
  const c = await js.consumers.get(`RAW_${id}`, 'w');
  const msgs = await c.consume({ max_messages: CONCURRENCY });
  let done = 0;
  for await (const m of msgs) {
    JSON.parse(new TextDecoder().decode(m.data));
    await m.ackAck();
    if (++done === n) break;
  }
  const s = (performance.now() - t0) / 1000;
  await jsm.streams.delete(`RAW_${id}`);
  await nc.drain();
  return n / s;
}

export default async function run(ctx: AreaContext): Promise<AreaReport> {
  const q = ctx.quick;
  const rows: Array<Array<string | number>> = [];
  const latRows: Array<Array<string | number>> = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  const chart: Chart = {
    id: 'throughput',
    title: 'Jobs/s end to end (enqueue → handler → ack), concurrency 16',
    kind: 'bar',
    xLabel: 'backend',
    yLabel: 'jobs/s',
    logY: true,
    data: [],
  };
  const add = (backend: string, who: string, v: number) => {
    rows.push([backend, who, Math.round(v)]);
    chart.data.push({ series: who, x: backend, y: v });
  };

  ctx.progress('in-process');
  const nIn = q ? 2_000 : 50_000;
  const rq = await rawQueue(nIn);
  const oi = await ours(new InProcessBackend(), nIn);
  add('in-process', '@scaling/queue directly', rq);
  add('in-process', '@scaling/jobs', oi);
  ratios.push({
    name: 'in-process jobs/s: @scaling/jobs vs @scaling/queue (the serialisation boundary)',
    ours: '@scaling/jobs',
    peer: '@scaling/queue',
    value: oi / rq,
  });
  const li = await latency(new InProcessBackend(), q ? 50 : 500);
  latRows.push(['in-process', quantile(li, 0.5), quantile(li, 0.99)]);

  if (await reachable(6379)) {
    ctx.progress('bullmq');
    const n = q ? 300 : 5_000;
    const raw = await rawBullmq(n);
    const o = await ours(new BullMqBackend({ connection: { host: '127.0.0.1', port: 6379 }, queueName: `bench_${uid()}` }), n);
    add('BullMQ (Redis)', 'raw client', raw);
    add('BullMQ (Redis)', '@scaling/jobs', o);
    ratios.push({
      name: 'BullMQ jobs/s: @scaling/jobs vs raw BullMQ',
      ours: '@scaling/jobs-bullmq',
      peer: 'bullmq',
      value: o / raw,
      target: q ? undefined : { op: '>=', value: 0.95 },
    });
    const b = new BullMqBackend({ connection: { host: '127.0.0.1', port: 6379 }, queueName: `lat_${uid()}` });
    const l = await latency(b, q ? 50 : 500);
    latRows.push(['BullMQ (Redis)', quantile(l, 0.5), quantile(l, 0.99)]);
  } else notes.push('Redis on 127.0.0.1:6379 not reachable: BullMQ skipped.');

  if (await reachable(4222)) {
    ctx.progress('jetstream');
    const n = q ? 300 : 10_000;
    const raw = await rawJetStream(n);
    const id = uid();
    const o = await ours(new JetStreamBackend({ stream: `BENCH_${id}`, subjectPrefix: `bench.${id}` }), n);
    add('NATS JetStream', 'raw client', raw);
    add('NATS JetStream', '@scaling/jobs', o);
    ratios.push({
      name: 'JetStream jobs/s: @scaling/jobs vs raw JetStream',
      ours: '@scaling/jobs-nats',
      peer: '@nats-io/jetstream',
      value: o / raw,
      target: q ? undefined : { op: '>=', value: 0.95 },
    });
    const id2 = uid();
    const l = await latency(new JetStreamBackend({ stream: `LAT_${id2}`, subjectPrefix: `lat.${id2}` }), q ? 50 : 500);
    latRows.push(['NATS JetStream', quantile(l, 0.5), quantile(l, 0.99)]);
  } else notes.push('NATS on 127.0.0.1:4222 not reachable: JetStream skipped.');

  const tables: Table[] = [
    {
      title: 'End-to-end throughput (jobs/s), concurrency 16, jobs enqueued first then drained',
      columns: ['backend', 'client', 'jobs/s'],
      rows,
    },
    {
      title: 'Enqueue-to-start latency (ms, wall clock), jobs enqueued one at a time into a running worker',
      columns: ['backend', 'p50', 'p99'],
      rows: latRows,
    },
  ];
  return { area: 'jobs', title: 'Background jobs: in-process, BullMQ and NATS JetStream', tables, ratios, charts: [chart], notes };
}
