// A worker process for the crash tests: runs `effect` jobs whose handler records, in a Redis ledger,
// every run (HINCRBY runs) and the effect once per idempotency key (HSETNX effects). Killed with
// SIGKILL at random by the test.
import { defineJob, type JobBackend, JobQueue } from '@scaling/jobs';
import { BullMqBackend } from '@scaling/jobs-bullmq';
import { JetStreamBackend } from '@scaling/jobs-nats';
import { Redis } from 'ioredis';

const { KIND, BROKER_PORT, LEDGER_PORT, NAME } = process.env as Record<string, string>;
const ledger = new Redis({ port: Number(LEDGER_PORT), host: '127.0.0.1' });
const backend: JobBackend =
  KIND === 'bullmq'
    ? new BullMqBackend({ connection: { host: '127.0.0.1', port: Number(BROKER_PORT) }, queueName: NAME, lockDurationMs: 1000 })
    : new JetStreamBackend({ servers: `127.0.0.1:${BROKER_PORT}`, stream: NAME, subjectPrefix: `crash.${NAME}`, ackWaitMs: 1000 });
const effect = defineJob('effect', async (_p: { i: number }, ctx) => {
  await ledger.hincrby(`${NAME}:runs`, ctx.idempotencyKey as string, 1);
  await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
  await ledger.hsetnx(`${NAME}:effects`, ctx.idempotencyKey as string, String(process.pid));
});
const jobs = new JobQueue({ backend, jobs: [effect] });
const worker = jobs.work({ concurrency: 8 });
await worker.ready();
process.send?.('ready');
