import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { Queue } from '../src/index.js';
import { deferred, flush } from './_helpers.js';

describe('introspection and priority', () => {
  it('reports running tasks with their age (trackStartTimes) and the counters', async () => {
    const clock = new ManualClock(1_000);
    const q = new Queue({ concurrency: 2, clock, trackStartTimes: true });
    const a = deferred();
    const b = deferred();
    void q.add(() => a.promise, { priority: 1 });
    clock.advance(30);
    void q.add(() => b.promise);
    clock.advance(20);
    expect(q.running()).toEqual([
      { priority: 1, attempt: 1, startedAt: 1_000, ageMs: 50 },
      { priority: 0, attempt: 1, startedAt: 1_030, ageMs: 20 },
    ]);
    a.resolve();
    b.resolve();
    await flush();
    expect(q.running()).toEqual([]);
    expect(q.counters).toEqual({ completed: 2, failed: 0, retried: 0, timedOut: 0, rejectedFull: 0, cancelled: 0, cleared: 0 });
  });

  it('without trackStartTimes running() reports startedAt and ageMs as undefined (not NaN) and never reads the clock', () => {
    let reads = 0;
    const clock = new ManualClock();
    const counting = {
      now: () => {
        reads++;
        return clock.now();
      },
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
    };
    const q = new Queue({ clock: counting });
    void q.add(() => new Promise(() => {}));
    expect(reads).toBe(0);
    expect(q.running()).toEqual([{ priority: 0, attempt: 1, startedAt: undefined, ageMs: undefined }]);
    expect(reads).toBe(0);
  });

  it('runs higher priorities first and keeps FIFO within a priority, across many levels', async () => {
    const q = new Queue({ concurrency: 1, paused: true });
    const order: string[] = [];
    const specs: Array<[number, string]> = [];
    for (let i = 0; i < 40; i++) specs.push([(i * 7) % 20, `t${i}`]);
    for (const [p, name] of specs) void q.add(async () => void order.push(name), { priority: p });
    q.resume();
    await q.onIdle();
    const expected = specs
      .map(([p, name], i) => ({ p, name, i }))
      .sort((x, y) => y.p - x.p || x.i - y.i)
      .map((x) => x.name);
    expect(order).toEqual(expected);
  });

  it('accepts tasks returning plain values, foreign thenables, or throwing synchronously', async () => {
    const q = new Queue();
    await expect(q.add(() => 7)).resolves.toBe(7);
    // biome-ignore lint/suspicious/noThenProperty: a foreign thenable is exactly what this checks
    const thenable = { then: (ok: ((v: number) => unknown) | null | undefined) => ok?.(8) } as PromiseLike<number>;
    await expect(q.add(() => thenable)).resolves.toBe(8);
    await expect(
      q.add(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    const slow = new Queue({ concurrency: 1, timeoutMs: 1_000 });
    await expect(slow.add(() => 9)).resolves.toBe(9);
    await expect(
      slow.add(() => {
        throw new Error('sync2');
      }),
    ).rejects.toThrow('sync2');
  });
});
