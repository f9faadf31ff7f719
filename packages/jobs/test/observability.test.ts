// Channels and stats() of JobQueue and Worker, checked against the README's monitoring tables.
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Histogram } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readmeTableNames } from '../../../test/_readme-tables.js';
import {
  type DeadLetter,
  type Delivery,
  defineJob,
  InProcessBackend,
  type JobBackend,
  JobQueue,
  type JobRecord,
  type JobStats,
} from '../src/index.js';

const README = join(import.meta.dirname, '..', 'README.md');
const STATS = readmeTableNames(README, '`stats()`');
const CHANNELS = readmeTableNames(README, 'Channels');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A backend whose deliveries the test hands in, one at a time, and whose outcomes it reads. */
function handBackend(): JobBackend & { deliver(record: JobRecord, attempt: number): Promise<string> } {
  let handle: ((d: Delivery) => Promise<void>) | undefined;
  const letters: DeadLetter[] = [];
  return {
    kind: 'hand',
    capabilities: { priority: true, durable: false, maxPayloadBytes: 10_000, exactAttempts: true },
    enqueue: async (r) => ({ id: r.id, duplicate: r.idempotencyKey === 'dup' }),
    consume: async (_n, _c, h) => {
      handle = h;
      return { close: async () => {} };
    },
    deadLetters: async () => letters,
    close: async () => {},
    async deliver(record, attempt) {
      let outcome = 'none';
      await (handle as (d: Delivery) => Promise<void>)({
        record,
        attempt,
        ack: async () => void (outcome = 'ack'),
        retry: async (ms) => void (outcome = `retry ${ms}`),
        deadLetter: async (l) => {
          letters.push(l);
          outcome = 'dead';
        },
      });
      return outcome;
    },
  };
}

function rec(name: string, over: Partial<JobRecord> = {}): JobRecord {
  return {
    id: `${name}-${Math.random()}`,
    name,
    payload: '{"n":1}',
    enqueuedAt: 1000,
    notBefore: 1000,
    deadlineAt: undefined,
    attempts: 2,
    backoff: { type: 'fixed', delayMs: 0 },
    priority: 0,
    idempotencyKey: undefined,
    ...over,
  };
}

function numbersAddUp(s: Omit<JobStats, 'enqueued' | 'duplicates'>): void {
  expect(s.delivered).toBe(s.started + s.expired + s.poisoned + s.skipped);
  expect(s.started).toBe(s.completed + s.failed + s.interrupted + s.running);
  expect(s.failed).toBe(s.retried + s.deadLettered - s.expired - s.poisoned);
}

describe('jobs monitoring', () => {
  it('stats() of the queue and of a worker have the README fields; every path is counted and the counters add up', async () => {
    let wall = 1000;
    const backend = handBackend();
    const jobs = new JobQueue({
      backend,
      wallClock: { now: () => wall },
      jobs: [defineJob('ok', async () => {}), defineJob('bad', async () => Promise.reject(new Error('no')))],
    });
    const qs = jobs.stats() as unknown as Record<string, unknown>;
    expect(Object.keys(qs).sort()).toEqual([...STATS].sort());
    for (const [k, v] of Object.entries(qs)) {
      if (k.endsWith('Duration')) expect(v).toBeInstanceOf(Histogram);
      else expect(typeof v, k).toBe('number');
    }
    const worker = jobs.work({ names: ['ok'] });
    await worker.ready();
    expect(Object.keys(worker.stats()).sort()).toEqual(STATS.filter((f) => f !== 'enqueued' && f !== 'duplicates').sort());
    await jobs.enqueue('ok', {});
    await jobs.enqueue('ok', {}, { idempotencyKey: 'dup' });
    wall = 1040;
    expect(await backend.deliver(rec('ok'), 1)).toBe('ack');
    expect(await backend.deliver(rec('ok'), 2)).toBe('ack'); // a redelivery
    expect(await backend.deliver(rec('nope'), 1)).toBe('retry 0'); // no such job here: handed back
    expect(await backend.deliver(rec('ok', { deadlineAt: 1010 }), 1)).toBe('dead'); // expired
    expect(await backend.deliver(rec('ok'), 3)).toBe('dead'); // poison: attempt 3 of 2
    const s = worker.stats();
    expect(s).toMatchObject({
      delivered: 5,
      redelivered: 2,
      started: 2,
      completed: 2,
      skipped: 1,
      expired: 1,
      poisoned: 1,
      deadLettered: 2,
    });
    numbersAddUp(s);
    expect(s.waitDuration.count).toBe(1); // first deliveries only
    expect(s.waitDuration.max).toBe(40);
    expect(s.runDuration.count).toBe(2);
    const w2 = jobs.work({ names: ['bad'] });
    await w2.ready();
    expect(await backend.deliver(rec('bad'), 1)).toBe('retry 0');
    expect(await backend.deliver(rec('bad'), 2)).toBe('dead');
    expect(w2.stats()).toMatchObject({ started: 2, failed: 2, retried: 1, deadLettered: 1 });
    const all = jobs.stats();
    expect(all).toMatchObject({ enqueued: 1, duplicates: 1, delivered: 7, started: 4, failed: 2, deadLettered: 3 });
    numbersAddUp(all);
    expect(all.runDuration.count).toBe(4);
    await jobs.close();
    expect(jobs.stats().delivered).toBe(7); // closed workers still count
  });

  it('counts a run cut short by close({ timeoutMs }) as interrupted, not failed', async () => {
    const backend = handBackend();
    const jobs = new JobQueue({
      backend,
      jobs: [
        defineJob('hang', (_p, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))),
      ],
    });
    const w = jobs.work();
    await w.ready();
    const outcome = backend.deliver(rec('hang'), 1);
    await new Promise((r) => setImmediate(r));
    expect(w.stats().running).toBe(1);
    await w.close({ timeoutMs: 0 });
    expect(await outcome).toBe('none');
    expect(w.stats()).toMatchObject({ started: 1, interrupted: 1, failed: 0, running: 0 });
    numbersAddUp(w.stats());
    await jobs.close();
  });

  it('publishes every documented event on its channel and traces each handler run', async () => {
    expect(CHANNELS).toEqual([
      'scaling:jobs:enqueued',
      'scaling:jobs:completed',
      'scaling:jobs:retry',
      'scaling:jobs:dead-letter',
      'scaling:jobs:run',
    ]);
    const seen: string[] = [];
    const sources = new Set<unknown>();
    for (const name of CHANNELS.slice(0, 4)) {
      const fn = (m: unknown): void => {
        seen.push(name);
        sources.add((m as { source: unknown }).source);
      };
      subscribe(name, fn);
      cleanups.push(() => unsubscribe(name, fn));
    }
    const traced: string[] = [];
    const handlers = Object.fromEntries(
      (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((e) => [
        e,
        (ctx: { name: string; attempt: number }) => traced.push(`${e} ${ctx.name}#${ctx.attempt}`),
      ]),
    ) as never;
    const tc = tracingChannel('scaling:jobs:run');
    tc.subscribe(handlers);
    cleanups.push(() => tc.unsubscribe(handlers));
    const jobs = new JobQueue({
      backend: new InProcessBackend(),
      jobs: [
        defineJob('ok', async () => 'done'),
        defineJob('bad', async () => Promise.reject(new Error('no')), { attempts: 2, backoff: { type: 'fixed', delayMs: 0 } }),
      ],
    });
    const w = jobs.work();
    await w.ready();
    await jobs.enqueue('ok', {});
    await jobs.enqueue('bad', {});
    for (let i = 0; i < 200 && jobs.stats().deadLettered + jobs.stats().completed < 2; i++) await new Promise((r) => setTimeout(r, 2));
    await jobs.close();
    expect(seen.filter((s) => s === 'scaling:jobs:enqueued')).toHaveLength(2);
    expect(new Set(seen)).toEqual(new Set(CHANNELS.slice(0, 4)));
    expect([...sources]).toEqual([jobs]);
    expect(traced.filter((t) => t.includes('ok#1'))).toEqual(['start ok#1', 'end ok#1', 'asyncStart ok#1', 'asyncEnd ok#1']);
    expect(traced.filter((t) => t.includes('bad#2'))).toEqual([
      'start bad#2',
      'end bad#2',
      'error bad#2',
      'asyncStart bad#2',
      'asyncEnd bad#2',
    ]);
  });
});
