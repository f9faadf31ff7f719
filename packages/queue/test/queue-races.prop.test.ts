import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { flush } from './_helpers.js';

/** Lets the scheduler release its tasks one by one until nothing more gets scheduled (tasks schedule new ones as they start). */
async function drain(s: fc.Scheduler): Promise<void> {
  for (;;) {
    await flush();
    if (s.count() === 0) return;
    await s.waitOne();
  }
}

const spec = fc.record({ priority: fc.integer({ min: 0, max: 2 }), fail: fc.boolean(), abort: fc.boolean() });

describe('Queue under explored interleavings (fc.scheduler)', () => {
  it('never runs more than `concurrency`, settles every accepted task exactly once, keeps FIFO within a priority', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(spec, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
        async (s, specs, concurrency, changes) => {
          const q = new Queue({ concurrency });
          let running = 0;
          let overCap = 0;
          const started: number[] = [];
          const settles = specs.map(() => 0);
          specs.forEach((t, i) => {
            const controller = new AbortController();
            const p = q.add(
              () => {
                running++;
                if (running > q.concurrency) overCap++; // counted, not thrown: a throw here would only fail the task
                started.push(i);
                return s.schedule(Promise.resolve(i), `task ${i}`).then((v) => {
                  running--;
                  if (t.fail) throw new Error(`task ${i} failed`);
                  return v;
                });
              },
              { priority: t.priority, signal: controller.signal },
            );
            p.then(
              () => settles[i]!++,
              () => settles[i]!++,
            );
            if (t.abort) void s.schedule(Promise.resolve(), `abort ${i}`).then(() => controller.abort(new Error('aborted')));
          });
          for (const c of changes) void s.schedule(Promise.resolve(), `concurrency ${c}`).then(() => (q.concurrency = c));
          await drain(s);
          expect({ size: q.size, pending: q.pending, settles, started }).toEqual({
            size: 0,
            pending: 0,
            settles: specs.map(() => 1),
            started,
          });
          await q.onIdle();
          expect(overCap).toBe(0);
          expect(q.pending).toBe(0);
          expect(q.size).toBe(0);
          // every task added at once: within one priority, starts follow add order
          for (const p of [0, 1, 2]) {
            const order = started.filter((i) => specs[i]?.priority === p);
            expect(order).toEqual([...order].sort((a, b) => a - b));
          }
          // a task that was never aborted always ran
          specs.forEach((t, i) => {
            if (!t.abort) expect(started).toContain(i);
          });
        },
      ),
    );
  });

  it('pause/resume and clear interleaved with completions leave nothing unsettled and idle means idle', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3 }), async (s, n, concurrency) => {
        const q = new Queue({ concurrency });
        const settles = Array.from({ length: n }, () => 0);
        for (let i = 0; i < n; i++) {
          q.add(() => s.schedule(Promise.resolve(i))).then(
            () => settles[i]!++,
            () => settles[i]!++,
          );
        }
        let idleSeen = false;
        void q.onIdle().then(() => {
          idleSeen = true;
          expect(q.size + q.pending).toBe(0);
        });
        void s.schedule(Promise.resolve(), 'pause').then(() => q.pause());
        void s.schedule(Promise.resolve(), 'resume').then(() => q.resume());
        void s.schedule(Promise.resolve(), 'clear').then(() => q.clear());
        await drain(s);
        q.resume();
        await q.onIdle();
        await flush();
        expect(idleSeen).toBe(true);
        expect(settles).toEqual(settles.map(() => 1));
      }),
    );
  });
});

describe('rate limit under a fake clock', () => {
  it('no window of intervalMs ever holds more than `limit` starts, and every task starts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 50, max: 1_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 1_500 }), duration: fc.integer({ min: 0, max: 1_500 }) }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (limit, intervalMs, concurrency, specs) => {
          const clock = new ManualClock();
          const q = new Queue({ concurrency, rateLimit: { limit, intervalMs }, clock });
          const starts: number[] = [];
          const done: Promise<void>[] = [];
          for (const { gap, duration } of specs) {
            await clock.advanceAsync(gap);
            done.push(
              q.add(() => {
                starts.push(clock.now());
                return new Promise<void>((resolve) => clock.setTimeout(resolve, duration));
              }),
            );
          }
          for (let k = 0; k < 10_000 && (q.size > 0 || q.pending > 0); k++) await clock.advanceAsync(50);
          await Promise.all(done);
          expect(starts.length).toBe(specs.length);
          for (const s of starts) expect(starts.filter((t) => t >= s && t < s + intervalMs).length).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('a start is never delayed past the moment the window allows it (no drift)', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 100, rateLimit: { limit: 3, intervalMs: 100 }, clock });
    const starts: number[] = [];
    for (let i = 0; i < 10; i++) void q.add(async () => void starts.push(clock.now()));
    await clock.advanceAsync(1_000);
    expect(starts).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 300]);
  });
});
