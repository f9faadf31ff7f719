import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { Queue, type QueueEvents } from '../src/index.js';
import { deferred, flush } from './_helpers.js';

describe('stats() and events', () => {
  it('stats() holds the counters and the gauges, and reading it changes nothing', async () => {
    const q = new Queue({ concurrency: 1, maxQueued: 1 });
    const gate = deferred();
    void q.add(() => gate.promise);
    void q.add(async () => {});
    void q.add(async () => {}).catch(() => {});
    const { waitDuration, runDuration, ...a } = q.stats();
    expect(waitDuration.count + runDuration.count).toBe(0); // recorded only with trackDurations
    expect(a).toEqual({
      added: 2,
      started: 1,
      completed: 0,
      failed: 0,
      retried: 0,
      timedOut: 0,
      rejectedFull: 1,
      cancelled: 0,
      cleared: 0,
      size: 1,
      pending: 1,
      waitingForRoom: 0,
      retrying: 0,
    });
    expect(q.stats()).toMatchObject(a);
    gate.resolve();
    await q.onIdle();
    expect(q.stats()).toMatchObject({ completed: 2, size: 0, pending: 0 });
    expect(q.counters).toEqual({ completed: 2, failed: 0, retried: 0, timedOut: 0, rejectedFull: 1, cancelled: 0, cleared: 0 });
  });

  it('retry, failed and full events carry one payload object; on() returns an unsubscribe; unknown events throw', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, maxQueued: 0, clock, retry: { attempts: 2, backoff: () => 10 } });
    const seen: Array<[string, object]> = [];
    const offs = (['retry', 'failed', 'full'] as const).map((e) => q.on(e, (p: QueueEvents[typeof e]) => seen.push([e, p])));
    const error = new Error('boom');
    const p = q.add(() => Promise.reject(error));
    p.catch(() => {});
    await flush();
    void q.add(async () => {}).catch(() => {}); // a slot is free during the backoff: runs at once
    await flush();
    await clock.advanceAsync(10);
    expect(seen).toEqual([
      ['retry', { error, attempt: 1, delayMs: 10, priority: 0 }],
      ['failed', { error, reason: 'error', attempts: 2, priority: 0 }],
    ]);
    const gate = deferred();
    void q.add(() => gate.promise);
    void q.add(async () => {}).catch(() => {});
    expect(seen.at(-1)).toEqual(['full', { size: 0, maxQueued: 0 }]);
    for (const off of offs) off();
    void q.add(async () => {}).catch(() => {});
    expect(seen).toHaveLength(3);
    expect(() => q.on('idle' as never, () => {})).toThrow(TypeError);
    gate.resolve();
  });

  it('every event is published on diagnostics_channel scaling:queue:<event> with the queue as source', async () => {
    const q = new Queue();
    const got: Array<{ reason: string; source: unknown }> = [];
    const onMessage = (m: unknown): void => void got.push(m as { reason: string; source: unknown });
    subscribe('scaling:queue:failed', onMessage);
    try {
      await q.add(() => Promise.reject(new Error('x'))).catch(() => {});
    } finally {
      unsubscribe('scaling:queue:failed', onMessage);
    }
    expect(got).toHaveLength(1);
    expect(got[0]?.reason).toBe('error');
    expect(got[0]?.source).toBe(q);
  });
});
