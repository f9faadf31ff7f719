// The one conformance suite every job backend runs (in-process here; BullMQ and JetStream in their
// packages' integration tests): the same semantics whatever the broker.
import { isScalingError } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { defineJob, type JobBackend, JobQueue } from '../src/index.js';

export interface BackendFixture {
  backend: JobBackend;
  /** A second backend on the same store (another process's view), for hand-over tests. */
  sibling?: () => Promise<JobBackend>;
  cleanup: () => Promise<void>;
}

/** Polls `cond` every 5 ms until it holds or `timeoutMs` passes. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function jobBackendConformance(label: string, make: () => Promise<BackendFixture>): void {
  describe(`job backend conformance: ${label}`, () => {
    let fixture: BackendFixture | undefined;
    let queues: JobQueue[] = [];
    const setup = async (defs: [string, (p: never, ctx: { attempt: number }) => unknown][] = []) => {
      fixture = await make();
      const jobs = defs.map(([name, handler]) => defineJob(name, handler as never));
      const q = new JobQueue({ backend: fixture.backend, jobs: jobs as never });
      queues.push(q);
      return { q, backend: fixture.backend };
    };
    afterEach(async () => {
      for (const q of queues) await q.close({ timeoutMs: 1000 });
      queues = [];
      await fixture?.cleanup();
      fixture = undefined;
    });

    it('runs an enqueued job once with its payload', async () => {
      const seen: unknown[] = [];
      const { q } = await setup([['hello', async (p: unknown) => void seen.push(p)]]);
      const w = q.work();
      await w.ready();
      const r = await q.enqueue('hello', { n: 1, s: 'x', list: [true, null] });
      expect(r.duplicate).toBe(false);
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual([{ n: 1, s: 'x', list: [true, null] }]);
      await waitFor(() => q.stats().completed === 1);
    });

    it('runs higher priority first (when the backend supports priorities)', async () => {
      const order: number[] = [];
      const { q, backend } = await setup([['p', async (p: { n: number }) => void order.push(p.n)]]);
      if (!backend.capabilities.priority) {
        await expect(q.enqueue('p', { n: 1 }, { priority: 5 })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
        return;
      }
      for (const [n, priority] of [
        [0, 0],
        [5, 5],
        [1, 1],
        [6, 5],
      ] as const)
        await q.enqueue('p', { n }, { priority });
      const w = q.work({ concurrency: 1 });
      await w.ready();
      await waitFor(() => order.length === 4);
      expect(order).toEqual([5, 6, 1, 0]);
    });

    it('does not start a delayed job before its delay', async () => {
      const started: number[] = [];
      const { q } = await setup([['d', async () => void started.push(Date.now())]]);
      const w = q.work();
      await w.ready();
      const t0 = Date.now();
      await q.enqueue('d', {}, { delayMs: 300 });
      await waitFor(() => started.length === 1);
      expect((started[0] as number) - t0).toBeGreaterThanOrEqual(290);
    });

    it('retries with backoff up to `attempts`, then dead-letters with the last error', async () => {
      let calls = 0;
      const { q } = await setup([
        [
          'fail',
          async (_p: unknown, ctx: { attempt: number }) => {
            calls++;
            throw Object.assign(new Error(`attempt ${ctx.attempt} failed`), { code: 'E_UPSTREAM' });
          },
        ],
      ]);
      const w = q.work();
      await w.ready();
      await q.enqueue('fail', { id: 7 }, { attempts: 3, backoff: { type: 'fixed', delayMs: 20, jitter: 'none' } });
      await waitFor(() => q.stats().deadLettered === 1);
      expect(calls).toBe(3);
      const dead = await q.deadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ attempts: 3, error: 'attempt 3 failed', code: 'E_UPSTREAM' });
      expect(JSON.parse(dead[0]?.record.payload as string)).toEqual({ id: 7 });
    });

    it('a job that fails then succeeds completes and is not dead-lettered', async () => {
      let calls = 0;
      const { q } = await setup([
        [
          'flaky',
          async () => {
            if (++calls < 3) throw new Error('flaky');
          },
        ],
      ]);
      const w = q.work();
      await w.ready();
      await q.enqueue('flaky', {}, { attempts: 5, backoff: { type: 'exponential', delayMs: 5 } });
      await waitFor(() => q.stats().completed === 1);
      expect(calls).toBe(3);
      expect(await q.deadLetters()).toEqual([]);
    });

    it('de-duplicates enqueues with the same idempotency key', async () => {
      let calls = 0;
      const { q } = await setup([['once', async () => void calls++]]);
      const key = `order-${Math.random().toString(36).slice(2)}`;
      const a = await q.enqueue('once', { n: 1 }, { idempotencyKey: key });
      const b = await q.enqueue('once', { n: 2 }, { idempotencyKey: key });
      expect(a.duplicate).toBe(false);
      expect(b.duplicate).toBe(true);
      const w = q.work();
      await w.ready();
      await waitFor(() => calls >= 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toBe(1);
    });

    it('does not start a job past its deadline: it is dead-lettered with ERR_DEADLINE_EXCEEDED', async () => {
      let calls = 0;
      const { q } = await setup([['late', async () => void calls++]]);
      await q.enqueue('late', {}, { delayMs: 50, deadlineMs: 10 });
      const w = q.work();
      await w.ready();
      await waitFor(() => q.stats().deadLettered === 1);
      expect(calls).toBe(0);
      expect((await q.deadLetters())[0]?.code).toBe('ERR_DEADLINE_EXCEEDED');
    });

    it('close() drains the running job and starts no new one; the rest stays for the next worker', { timeout: 20_000 }, async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const done: number[] = [];
      const { q } = await setup([
        [
          'slow',
          async (p: { n: number }) => {
            if (p.n === 1) await gate;
            done.push(p.n);
          },
        ],
      ]);
      const w = q.work({ concurrency: 1 });
      await w.ready();
      await q.enqueue('slow', { n: 1 });
      await waitFor(() => w.running === 1);
      await q.enqueue('slow', { n: 2 });
      const closing = w.close();
      await new Promise((r) => setTimeout(r, 50));
      release();
      await closing;
      expect(done).toEqual([1]);
      const w2 = q.work({ concurrency: 1 });
      await w2.ready();
      // A job the closed worker had already pulled but not started is handed back at once, or, if it
      // was still in flight from the broker, redelivered after the ack wait (JetStream).
      await waitFor(() => done.length === 2, 15_000);
      expect(done).toEqual([1, 2]);
    });

    it('rejects bad input at enqueue and enqueues nothing', async () => {
      let calls = 0;
      const { q } = await setup([['x', async () => void calls++]]);
      await expect(q.enqueue('nope', {})).rejects.toSatisfy((e) => isScalingError(e, 'ERR_UNKNOWN_JOB'));
      await expect(q.enqueue('x', { f: () => 1 })).rejects.toThrow(/at \$\.f: a function cannot be serialised/);
      const cyc: Record<string, unknown> = {};
      cyc.self = cyc;
      await expect(q.enqueue('x', cyc)).rejects.toThrow(/cycle/);
      await expect(q.enqueue('x', { at: new Date() })).rejects.toThrow(/Date is not a plain object/);
      await expect(q.enqueue('x', { big: 'x'.repeat(q.backend.capabilities.maxPayloadBytes) })).rejects.toThrow(/over the backend's limit/);
      await expect(q.enqueue('x', {}, { attempts: 0 })).rejects.toThrow(RangeError);
      await expect(q.enqueue('x', {}, { delay: 5 } as never)).rejects.toThrow(/Unknown option `delay`.*use `delayMs`/);
      const w = q.work();
      await w.ready();
      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBe(0);
      expect(q.stats().enqueued).toBe(0);
    });
  });
}
