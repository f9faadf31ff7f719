/**
 * One job worker of the fleet, its own process: consumes `order` jobs from BullMQ on the private Redis
 * (`@scaling/jobs` + `@scaling/jobs-bullmq`) and writes each order to PostgreSQL exactly once — the
 * `orders` table's primary key is the order's idempotency key, so a redelivered job (its worker was killed
 * mid-job) or a duplicate enqueue is absorbed by `ON CONFLICT DO NOTHING`. Every delivery is also recorded
 * in `order_deliveries`, so the demo can show that a job was delivered twice and stored once.
 */
import { createServer } from 'node:http';
import { JobQueue } from '@scaling/jobs';
import { BullMqBackend } from '@scaling/jobs-bullmq';
import pg from 'pg';
import { createMetrics, env, exitWithParent, JOB_LOCK_MS, json, ORDER_QUEUE, orderJob, ready, sleep } from './common.js';

exitWithParent();
const id = env('WORKER_ID');
const pool = new pg.Pool({ connectionString: env('PG_PRIMARY'), max: 4 });
pool.on('error', () => {});
const counters = { started: 0, stored: 0, duplicatesAbsorbed: 0 };
let running = 0;
/** Idempotency keys of the jobs running now (the demo kills a worker in the middle of one). */
const runningKeys = new Set<string>();

const order = orderJob(async (o, ctx) => {
  running++;
  runningKeys.add(o.key);
  counters.started++;
  try {
    await pool.query('INSERT INTO order_deliveries (idempotency_key, worker, attempt) VALUES ($1, $2, $3)', [o.key, id, ctx.attempt]);
    await sleep(150 + Math.random() * 250); // the work: long enough for a kill to land mid-job
    const r = await pool.query(
      'INSERT INTO orders (idempotency_key, sku, qty, worker) VALUES ($1, $2, $3, $4) ON CONFLICT (idempotency_key) DO NOTHING',
      [o.key, o.sku, o.qty, id],
    );
    if (r.rowCount === 1) counters.stored++;
    else counters.duplicatesAbsorbed++;
  } finally {
    running--;
    runningKeys.delete(o.key);
  }
});

const jobs = new JobQueue({
  backend: new BullMqBackend({
    connection: { host: '127.0.0.1', port: Number(env('REDIS_PORT')) },
    queueName: ORDER_QUEUE,
    lockDurationMs: JOB_LOCK_MS,
  }),
  jobs: [order],
});
const worker = jobs.work({ concurrency: 4 });
const metrics = createMetrics();
metrics.collector.register('jobs', jobs, { instance: id });
metrics.collector.register('order_worker', { stats: () => ({ ...counters, running }) }, { instance: id });

const server = createServer((req, res) => {
  if (req.url === '/metrics') return metrics.handle(res);
  if (req.url === '/stats')
    return json(res, 200, { id, pid: process.pid, worker: { ...counters, running }, runningKeys: [...runningKeys], jobs: jobs.stats() });
  json(res, 404, { error: 'not found' });
});
const stop = async (): Promise<void> => {
  await worker.close({ timeoutMs: 2_000 });
  await jobs.close();
  await pool.end();
  server.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  ready(typeof address === 'object' && address ? address.port : 0);
});
