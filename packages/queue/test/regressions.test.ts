import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { deferred, flush, track } from './_helpers.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('regressions reported against other queues', () => {
  it('p-queue #40 (kind: idle before the last task settled): onIdle with three queued async tasks resolves only after the last one settles', async () => {
    const q = new Queue({ concurrency: 1 });
    const ds = [deferred(), deferred(), deferred()];
    const settled: number[] = [];
    ds.forEach((d, i) => void q.add(() => d.promise).then(() => settled.push(i)));
    const idle = track(q.onIdle());
    for (const d of ds.slice(0, 2)) {
      d.resolve();
      await flush();
      expect(idle.state).toBe('pending');
    }
    ds[2]?.resolve();
    await flush();
    expect(settled).toEqual([0, 1, 2]);
    expect(idle.state).toBe('fulfilled');
  });

  it('p-queue #34 (kind: idle resolved by an empty batch): addAll([]) then a real task — onIdle waits for that task', async () => {
    const q = new Queue({ concurrency: 1 });
    const d = deferred();
    let ran = false;
    const batch = track(q.addAll([]));
    const task = track(
      q.add(async () => {
        ran = true;
        await d.promise;
      }),
    );
    const idle = track(q.onIdle());
    await flush();
    expect(batch.state).toBe('fulfilled');
    expect(ran).toBe(true);
    expect(idle.state).toBe('pending');
    d.resolve();
    await flush();
    expect(task.state).toBe('fulfilled');
    expect(idle.state).toBe('fulfilled');
  });

  it('p-queue #237 (kind: idle never reported for an unused queue): onIdle on a queue that never got a task resolves at once', async () => {
    const q = new Queue();
    const idle = track(q.onIdle());
    await Promise.resolve();
    expect(idle.state).toBe('fulfilled');
  });

  it('fastq #80 (kind: concurrency not respected): pause/resume never runs 2 at concurrency 1; raising to 5 while busy starts 4 more at once', async () => {
    const q = new Queue({ concurrency: 1 });
    let running = 0;
    let maxRunning = 0;
    const ds = Array.from({ length: 20 }, () => deferred());
    for (const d of ds) {
      void q.add(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await d.promise;
        running--;
      });
    }
    q.pause();
    q.resume();
    q.pause();
    ds[0]?.resolve();
    await flush();
    expect(running).toBe(0);
    q.resume();
    q.resume();
    expect(running).toBe(1);
    ds[1]?.resolve();
    await flush();
    expect(maxRunning).toBe(1);
    expect(running).toBe(1);
    q.concurrency = 5;
    expect(running).toBe(5); // four more started synchronously
    expect(q.pending).toBe(5);
    for (const d of ds) d.resolve();
    await q.onIdle();
    expect(maxRunning).toBe(5);
  });

  it('p-queue #241 (kind: pre-aborted signal never settles): on a busy queue it rejects at once with the signal reason and never runs', async () => {
    const q = new Queue({ concurrency: 1 });
    const blocker = deferred();
    void q.add(() => blocker.promise);
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    let ran = false;
    const t = track(
      q.add(
        () => {
          ran = true;
        },
        { signal: controller.signal },
      ),
    );
    await Promise.resolve();
    expect(t.state).toBe('rejected');
    expect(t.reason).toBe(reason);
    expect(q.size).toBe(0);
    blocker.resolve();
    await q.onIdle();
    expect(ran).toBe(false);
  });

  it('p-queue #219 and #168 (kind: aborted tasks still count / hang the queue): with a rate limit aborted tasks use no starts; 100,000 aborts do not recurse', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, rateLimit: { limit: 2, intervalMs: 1_000 }, clock });
    const started: string[] = [];
    const blocker = deferred();
    void q.add(async () => {
      started.push('blocker');
      await blocker.promise;
    });
    const controller = new AbortController();
    const aborted = Array.from({ length: 10 }, (_, i) =>
      track(q.add(async () => void started.push(`aborted ${i}`), { signal: controller.signal })),
    );
    controller.abort(new Error('never mind'));
    expect(q.size).toBe(0);
    const next = track(q.add(async () => void started.push('next')));
    blocker.resolve();
    await flush();
    // the second start of the window went to `next`, at t = 0: the aborted tasks used none
    expect(started).toEqual(['blocker', 'next']);
    expect(next.state).toBe('fulfilled');
    expect(aborted.every((t) => t.state === 'rejected' && (t.reason as Error).message === 'never mind')).toBe(true);

    const many = new AbortController();
    const blocker2 = deferred();
    void q.add(() => blocker2.promise); // waits for the next window
    const big = Array.from({ length: 100_000 }, () => q.add(async () => void started.push('big'), { signal: many.signal }));
    expect(q.size).toBe(100_001);
    many.abort(new Error('bulk'));
    expect(q.size).toBe(1);
    const results = await Promise.allSettled(big);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const last = track(q.add(async () => void started.push('last')));
    await clock.advanceAsync(1_000);
    blocker2.resolve();
    await flush();
    expect(last.state).toBe('fulfilled');
    expect(started).toEqual(['blocker', 'next', 'last']);
    expect(q.counters.cancelled).toBe(100_010);
  });

  it('p-queue #126 (kind: burst past intervalCap at a window edge): limit 2 per 1,000 ms, adds at 0, 0, 600 and 1,100 — no window over 2 starts', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 10, rateLimit: { limit: 2, intervalMs: 1_000 }, clock });
    const starts: number[] = [];
    const task = async (): Promise<void> => void starts.push(clock.now());
    void q.add(task);
    void q.add(task);
    await clock.advanceAsync(600);
    void q.add(task);
    expect(starts).toEqual([0, 0]);
    await clock.advanceAsync(500); // t = 1,100; the third started at 1,000
    expect(starts).toEqual([0, 0, 1_000]);
    void q.add(task);
    expect(starts).toEqual([0, 0, 1_000, 1_100]); // synchronously: (100, 1,100] held one start
    for (const s of starts) expect(starts.filter((t) => t >= s && t < s + 1_000).length).toBeLessThanOrEqual(2);
  });

  it('p-queue #239 (kind: clear() leaves promises unsettled): a task that calls clear() — every removed task rejects', async () => {
    const q = new Queue({ concurrency: 1 });
    const first = track(
      q.add(async () => {
        await null; // the first task starts synchronously inside add(); clear once the rest are queued
        return q.clear();
      }),
    );
    const rest = Array.from({ length: 5 }, () => track(q.add(async () => 'ran')));
    await q.onIdle();
    await flush();
    expect(first.state).toBe('fulfilled');
    expect(first.value).toBe(5);
    for (const t of rest) {
      expect(t.state).toBe('rejected');
      expect(isScalingError(t.reason, 'ERR_QUEUE_CLEARED')).toBe(true);
    }
    expect(q.counters.cleared).toBe(5);
  });

  it('p-queue #54 (kind: a hung task stalls the queue): a never-settling task with a timeout does not stop the queue', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, timeoutMs: 100, clock });
    let signal: AbortSignal | undefined;
    const stuck = track(
      q.add((ctx) => {
        signal = ctx.signal;
        return new Promise<never>(() => {});
      }),
    );
    const after = track(q.add(async () => 'ok'));
    await clock.advanceAsync(100);
    await flush();
    expect(stuck.state).toBe('rejected');
    expect(isScalingError(stuck.reason, 'ERR_TIMEOUT')).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(after.value).toBe('ok');
    expect(q.pending).toBe(0);
    await q.onIdle();
  });

  it('kind: unhandled rejections (p-queue #67): rejected tasks awaited by the caller never crash a process run with --unhandled-rejections=strict', () => {
    const script = fileURLToPath(new URL('./fixtures/strict-rejections.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', '--import', 'tsx', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/Unhandled|ERR_UNHANDLED_REJECTION/);
    expect(r.stdout.trim()).toBe('all scenarios settled: 9');
    expect(r.status).toBe(0);
  });
});
