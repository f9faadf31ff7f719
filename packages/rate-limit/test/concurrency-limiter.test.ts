import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { AimdLimit, ConcurrencyLimitError, ConcurrencyLimiter, Gradient2Limit, WindowedLimit } from '../src/index.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimiter', () => {
  it('admits up to the limit, then sheds with ERR_CONCURRENCY_LIMIT (503) when nothing may queue', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 2, maxQueued: 0, clock: new ManualClock() });
    const a = await limiter.acquire();
    await limiter.acquire();
    const e = await limiter.acquire().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConcurrencyLimitError);
    expect(isScalingError(e, 'ERR_CONCURRENCY_LIMIT')).toBe(true);
    expect(e).toMatchObject({ reason: 'limit', statusCode: 503, partition: 'default' });
    a.release({ ok: true });
    a.release({ ok: true }); // idempotent
    expect(limiter.inflight).toBe(1);
    expect(limiter.tryAcquire()).toBeDefined();
    expect(limiter.tryAcquire()).toBeUndefined();
  });

  it('queues up to maxQueued, hands freed slots over in order, sheds beyond with queue-full', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueued: 2, clock: new ManualClock() });
    const first = await limiter.acquire();
    const order: string[] = [];
    const b = limiter.acquire().then((l) => {
      order.push('b');
      return l;
    });
    const c = limiter.acquire().then((l) => {
      order.push('c');
      return l;
    });
    await expect(limiter.acquire()).rejects.toMatchObject({ reason: 'queue-full' });
    first.release({ ok: true });
    (await b).release({ ok: true });
    await c;
    expect(order).toEqual(['b', 'c']);
  });

  it('CoDel-style deadline: a waiter gives up after queueIntervalMs, and after queueTargetMs once the queue has stood for an interval', async () => {
    const clock = new ManualClock();
    const limiter = new ConcurrencyLimiter({ limit: 1, maxQueued: 100, queueTargetMs: 5, queueIntervalMs: 100, clock });
    const held = await limiter.acquire();
    const early = limiter.acquire().catch((e: ConcurrencyLimitError) => e.reason);
    await clock.advanceAsync(101);
    expect(await early).toBe('queue-timeout');
    // keep the queue standing: new waiters every 2 ms for 150 ms
    const results: Array<Promise<string>> = [];
    for (let t = 0; t < 150; t += 2) {
      results.push(
        limiter.acquire().then(
          () => 'admitted',
          (e: ConcurrencyLimitError) => e.reason,
        ),
      );
      await clock.advanceAsync(2);
    }
    expect(limiter.stats().overloaded).toBe(true);
    const late = limiter.acquire().catch((e: ConcurrencyLimitError) => e.reason);
    await clock.advanceAsync(6);
    expect(await late).toBe('queue-timeout'); // 6 ms > target 5 ms in overload mode
    held.release();
    await clock.advanceAsync(200);
    expect(new Set(await Promise.all(results))).toEqual(new Set(['queue-timeout']));
    expect(limiter.stats().queued).toBe(0);
  });

  it('priority partitions: each has its guaranteed share even when the limit is reached; queued requests go highest first', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 10, partitions: { live: 0.7, batch: 0.3 }, clock: new ManualClock() });
    const batch = [];
    for (let i = 0; i < 10; i++) batch.push(await limiter.acquire({ partition: 'batch' }));
    // the limit is reached by batch, but live is under its share (7): admitted
    const live = [];
    for (let i = 0; i < 7; i++) live.push(await limiter.acquire({ partition: 'live' }));
    expect(limiter.tryAcquire('live')).toBeUndefined();
    const order: string[] = [];
    const qb = limiter.acquire({ partition: 'batch' }).then((l) => {
      order.push('batch');
      return l;
    });
    const ql = limiter.acquire({ partition: 'live' }).then((l) => {
      order.push('live');
      return l;
    });
    for (const l of batch.splice(0, 8)) l.release();
    await flush();
    expect(order).toEqual(['live', 'batch']);
    expect(limiter.stats().partitions).toMatchObject({ live: { limit: 7 }, batch: { limit: 3 } });
    await Promise.all([qb, ql]);
    expect(() => limiter.tryAcquire('nope')).toThrow(/partition/);
  });

  it('an aborted wait leaves the queue at once with the signal reason; close() sheds the queue', async () => {
    const limiter = new ConcurrencyLimiter({ limit: 1, clock: new ManualClock() });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire({ signal: controller.signal });
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(limiter.stats().queued).toBe(0);
    const queued = limiter.acquire();
    limiter.close();
    await expect(queued).rejects.toMatchObject({ reason: 'closed' });
    await expect(limiter.acquire()).rejects.toMatchObject({ reason: 'closed' });
  });

  it('run() releases with the outcome; the adaptive limit emits limit-changed', async () => {
    const clock = new ManualClock();
    const limiter = new ConcurrencyLimiter({ limit: new AimdLimit({ initialLimit: 20, minLimit: 1 }), clock });
    const changes: number[] = [];
    limiter.on('limit-changed', (e) => changes.push(e.limit));
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(changes).toEqual([18]); // floor(20 × 0.9)
    expect(await limiter.run(() => 7)).toBe(7);
  });

  it('options: unknown keys and bad values are errors', () => {
    expect(() => new ConcurrencyLimiter({ concurrency: 5 } as never)).toThrow(/Unknown option `concurrency`.*limit/);
    expect(() => new ConcurrencyLimiter({ limit: 0 })).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter({ limit: 'vegas' as never })).toThrow(TypeError);
    expect(() => new ConcurrencyLimiter({ partitions: { a: 0.8, b: 0.8 } })).toThrow(/sum/);
    expect(() => new ConcurrencyLimiter({ partitions: { a: 0 } })).toThrow(RangeError);
    expect(() => new ConcurrencyLimiter({ maxQueued: -1 })).toThrow(RangeError);
  });
});

describe('adaptive limits (Netflix concurrency-limits defaults)', () => {
  it('Gradient2: starts at 20, grows by queueSize × smoothing while latency is steady, shrinks when it rises', () => {
    const g = new Gradient2Limit();
    expect(g.limit).toBe(20);
    // steady 10 ms at full use: estimate = 20 × 1 + 4 → 20 × 0.8 + 24 × 0.2 = 20.8
    expect(g.update(10, 20, false)).toBe(20);
    g.update(10, 20, false);
    expect(g.limit).toBe(21);
    for (let i = 0; i < 200; i++) g.update(10, 200, false);
    const grown = g.limit;
    expect(grown).toBeGreaterThan(100);
    for (let i = 0; i < 20; i++) g.update(40, 200, false); // latency × 4: gradient 0.5 (clamped)
    expect(g.limit).toBeLessThan(grown);
    // app-limited: fewer than half in flight, no growth
    const before = g.limit;
    g.update(1, 1, false);
    expect(g.limit).toBe(before);
  });

  it('Gradient2 never leaves [minLimit, maxLimit]', () => {
    const g = new Gradient2Limit({ minLimit: 5, maxLimit: 30, initialLimit: 10 });
    for (let i = 0; i < 500; i++) g.update(i % 2 === 0 ? 1 : 1000, 100, false);
    expect(g.limit).toBeGreaterThanOrEqual(5);
    expect(g.limit).toBeLessThanOrEqual(30);
  });

  it('AIMD: +1 while at least half in flight, × 0.9 on a drop or a sample over the timeout, within [20, 200]', () => {
    const a = new AimdLimit();
    expect(a.limit).toBe(20);
    expect(a.update(10, 10, false)).toBe(21);
    expect(a.update(10, 5, false)).toBe(21); // under half: unchanged
    expect(a.update(10, 21, true)).toBe(20); // floor(21 × 0.9) = 18 → minLimit 20
    const b = new AimdLimit({ minLimit: 1 });
    expect(b.update(6000, 20, false)).toBe(18); // over the 5 s timeout counts as a drop
  });

  it('WindowedLimit feeds one averaged sample per window', () => {
    let now = 0;
    const seen: number[] = [];
    const inner = {
      limit: 7,
      update: (rtt: number) => {
        seen.push(rtt);
        return 7;
      },
    };
    const w = new WindowedLimit(inner, { minWindowMs: 100, maxWindowMs: 1000, windowSize: 2, now: () => now });
    w.update(10, 1, false);
    w.update(20, 1, false);
    expect(seen).toEqual([]);
    now = 100;
    w.update(30, 1, false);
    expect(seen).toEqual([20]);
  });
});
