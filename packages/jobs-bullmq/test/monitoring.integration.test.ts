// stats() and channels of the BullMQ backend, against the machine's Redis (a fresh queue name per test) and,
// for the error event, a private redis-server that is killed.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Histogram } from '@scaling/core';
import { defineJob, JobQueue } from '@scaling/jobs';
import { Worker as BullWorker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { readmeTableNames } from '../../../test/_readme-tables.js';
import { waitFor } from '../../jobs/test/_conformance.js';
import { ownRedis } from '../../jobs/test/_servers.js';
import { BullMqBackend, type BullMqBackendStats } from '../src/index.js';

const port = Number(process.env.REDIS_PORT ?? 6379);
const README = join(import.meta.dirname, '..', 'README.md');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function backend(options: Partial<ConstructorParameters<typeof BullMqBackend>[0]> = {}, p = port): BullMqBackend {
  const b = new BullMqBackend({
    connection: { host: '127.0.0.1', port: p, maxRetriesPerRequest: null },
    queueName: `monitoring-${process.pid}-${Math.random().toString(36).slice(2)}`,
    lockDurationMs: 5000,
    ...options,
  });
  return b;
}

const settledAddUp = (s: BullMqBackendStats): boolean => s.delivered === s.acked + s.retried + s.deadLettered + s.unsettled + s.running;

describe('BullMQ backend monitoring', () => {
  it('stats() has the README fields; counters add up over completed, retried and dead-lettered jobs', { timeout: 30_000 }, async () => {
    const b = backend();
    cleanups.push(async () => {
      await b.obliterate().catch(() => {});
      await b.close();
    });
    const s0 = b.stats() as unknown as Record<string, unknown>;
    expect(Object.keys(s0).sort()).toEqual(readmeTableNames(README, '`stats()`').sort());
    for (const [k, v] of Object.entries(s0)) {
      if (k.endsWith('Duration')) expect(v).toBeInstanceOf(Histogram);
      else expect(typeof v, k).toBe('number');
    }
    const jobs = new JobQueue({
      backend: b,
      jobs: [
        defineJob('ok', async () => {}),
        defineJob('bad', async () => Promise.reject(new Error('no')), { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } }),
      ],
    });
    const w = jobs.work({ concurrency: 2 });
    await w.ready();
    await jobs.enqueue('ok', {});
    await jobs.enqueue('ok', {}, { idempotencyKey: 'same' });
    await jobs.enqueue('ok', {}, { idempotencyKey: 'same' });
    await jobs.enqueue('bad', {});
    await waitFor(() => b.stats().deadLettered === 1 && b.stats().acked === 2, 20_000);
    const s = b.stats();
    expect(s).toMatchObject({ enqueued: 3, duplicates: 1, acked: 2, retried: 1, deadLettered: 1, delivered: 4, running: 0 });
    expect(settledAddUp(s)).toBe(true);
    expect(s.requestDuration.count).toBe(4);
    await w.close();
  });

  it('publishes stalled (a job whose worker stopped renewing its lock) and the redelivery is counted', { timeout: 30_000 }, async () => {
    const stalled: string[] = [];
    const fn = (m: unknown): void => void stalled.push((m as { jobId: string }).jobId);
    subscribe('scaling:jobs-bullmq:stalled', fn);
    cleanups.push(() => unsubscribe('scaling:jobs-bullmq:stalled', fn));
    const b = backend({ lockDurationMs: 500 });
    cleanups.push(async () => {
      await b.obliterate().catch(() => {});
      await b.close();
    });
    // attempts 3: the stalled delivery counts as an attempt (BullMQ's attemptsStarted), so it may run again
    const jobs = new JobQueue({ backend: b, jobs: [defineJob('j', async () => {}, { attempts: 3 })] });
    await jobs.enqueue('j', {});
    // A raw BullMQ worker takes the job and is force-closed: its lock is left to expire.
    let taken!: () => void;
    const took = new Promise<void>((r) => (taken = r));
    const raw = new BullWorker(
      b.queue.name,
      () => {
        taken();
        return new Promise(() => {});
      },
      {
        connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
        lockDuration: 500,
        stalledInterval: 500,
        skipStalledCheck: true,
        autorun: true,
      },
    );
    raw.on('error', () => {});
    await took;
    await raw.close(true);
    const w = jobs.work();
    await w.ready();
    await waitFor(() => b.stats().acked === 1, 20_000);
    expect(stalled.length).toBeGreaterThan(0);
    expect(b.stats()).toMatchObject({ stalled: stalled.length, delivered: 1, acked: 1 });
    await w.close();
  });

  it('publishes error when Redis goes away, and counts it', { timeout: 60_000 }, async () => {
    const redis = await ownRedis(false);
    cleanups.push(() => redis.stop());
    const errors: Array<{ where: string; source: unknown }> = [];
    const fn = (m: unknown): void => void errors.push(m as (typeof errors)[number]);
    subscribe('scaling:jobs-bullmq:error', fn);
    cleanups.push(() => unsubscribe('scaling:jobs-bullmq:error', fn));
    const b = backend({}, redis.port);
    const seen: unknown[] = [];
    b.on('error', ({ error }) => seen.push(error));
    await b.queue.waitUntilReady();
    await redis.kill();
    await waitFor(() => errors.length > 0, 20_000);
    expect(errors[0]?.source).toBe(b);
    expect(seen.length).toBeGreaterThan(0);
    expect(b.stats().errors).toBeGreaterThanOrEqual(errors.length);
    await redis.start();
    cleanups.push(() => b.close());
  });
});
