// stats() and channels of the JetStream backend: against the machine's nats-server (a fresh stream per test) and,
// for the connection and error events, a private nats-server that is killed and restarted.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Histogram } from '@scaling/core';
import { defineJob, JobQueue } from '@scaling/jobs';
import { afterEach, describe, expect, it } from 'vitest';
import { readmeTableNames } from '../../../test/_readme-tables.js';
import { waitFor } from '../../jobs/test/_conformance.js';
import { ownNats } from '../../jobs/test/_servers.js';
import { JetStreamBackend, type JetStreamBackendStats } from '../src/index.js';

const servers = process.env.NATS_URL ?? '127.0.0.1:4222';
const README = join(import.meta.dirname, '..', 'README.md');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function backend(on = servers): JetStreamBackend {
  const id = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const b = new JetStreamBackend({ servers: on, stream: `MON_${id}`, subjectPrefix: `mon.${id}`, ackWaitMs: 2000 });
  return b;
}

const settledAddUp = (s: JetStreamBackendStats): boolean => s.delivered === s.acked + s.retried + s.deadLettered + s.unsettled + s.running;

describe('JetStream backend monitoring', () => {
  it('stats() has the README fields; counters add up over completed, delayed, retried and dead-lettered jobs', {
    timeout: 30_000,
  }, async () => {
    const b = backend();
    cleanups.push(async () => {
      await b.destroy().catch(() => {});
      await b.close();
    });
    const s0 = b.stats() as unknown as Record<string, unknown>;
    expect(Object.keys(s0).sort()).toEqual(readmeTableNames(README, '`stats()`').sort());
    for (const [k, v] of Object.entries(s0)) {
      if (k.endsWith('Duration')) expect(v).toBeInstanceOf(Histogram);
      else expect(typeof v, k).toBe(k === 'connected' ? 'boolean' : 'number');
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
    await jobs.enqueue('ok', {}, { delayMs: 50 });
    await jobs.enqueue('bad', {});
    await waitFor(() => b.stats().deadLettered === 1 && b.stats().acked === 3, 20_000);
    const s = b.stats();
    expect(s).toMatchObject({ enqueued: 4, duplicates: 1, acked: 3, retried: 1, deadLettered: 1, delivered: 5, redelivered: 1 });
    expect(s.deferred).toBeGreaterThanOrEqual(1);
    expect(settledAddUp(s)).toBe(true);
    expect(s.requestDuration.count).toBe(5);
    expect(s.connected).toBe(true);
    await w.close();
  });

  it('publishes connection (lost, back) and error (a settle that fails while the server is down)', { timeout: 60_000 }, async () => {
    const nats = await ownNats();
    cleanups.push(() => nats.stop());
    const seen: Array<[string, Record<string, unknown>]> = [];
    for (const name of ['scaling:jobs-nats:connection', 'scaling:jobs-nats:error']) {
      const fn = (m: unknown): void => void seen.push([name, m as Record<string, unknown>]);
      subscribe(name, fn);
      cleanups.push(() => unsubscribe(name, fn));
    }
    const b = backend(`127.0.0.1:${nats.port}`);
    cleanups.push(() => b.close());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const jobs = new JobQueue({
      backend: b,
      jobs: [
        defineJob('slow', async () => {
          started();
          await gate;
        }),
      ],
    });
    const w = jobs.work();
    await w.ready();
    await jobs.enqueue('slow', {});
    await running;
    await nats.kill();
    await waitFor(() => seen.some(([n, m]) => n.endsWith('connection') && m.connected === false), 20_000);
    expect(b.stats()).toMatchObject({ connected: false, disconnects: 1 });
    release(); // the handler finishes; its ack cannot reach the server
    await waitFor(() => b.stats().errors > 0, 20_000);
    expect(seen.find(([n]) => n.endsWith('error'))?.[1]).toMatchObject({ operation: 'settle', source: b });
    expect(b.stats().unsettled).toBe(1);
    await nats.start();
    await waitFor(() => seen.some(([n, m]) => n.endsWith('connection') && m.connected === true), 20_000);
    expect(b.stats().connected).toBe(true);
    await w.close({ timeoutMs: 1000 });
  });
});
