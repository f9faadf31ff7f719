import { afterEach, describe, expect, it } from 'vitest';
import { deferred, fleet } from './_helpers.js';
import type { MemoryTransport } from './_memory-redis.js';
import { settle } from './_memory-redis.js';

let cleanup: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('Redis down or slow', () => {
  it('writes during an outage take effect locally, say "queued", and are replayed when Redis answers', async () => {
    const f = fleet<number>(2, { breakerThreshold: 2, breakerOpenMs: 1000 });
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    await a.tier.set('k', 1);
    expect(await b.tier.get('k')).toBe(1);
    const states: string[] = [];
    a.tier.on('breaker', ({ state }) => states.push(state));
    const queued: unknown[] = [];
    a.tier.on('write-queued', (e) => queued.push(e));
    f.redis.down = true;
    expect(await a.tier.set('k', 2)).toBe('queued');
    expect(await a.tier.get('k')).toBe(2); // the writer sees its write at once
    expect(await a.tier.delete('gone')).toBe('queued');
    expect(states).toEqual(['open']);
    expect(a.tier.stats()).toMatchObject({ breakerState: 'open', pendingWrites: 2 });
    expect(queued).toEqual([{ key: 'k' }, { key: 'gone' }]);
    // Redis back: after breakerOpenMs a probe closes the breaker and the queue is replayed.
    f.redis.down = false;
    f.clock.advance(1000);
    await a.tier.get('other');
    await settle(100);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(a.tier.stats().pendingWrites).toBe(0);
    expect(f.redis.keys()).not.toContain('t:d:k'); // the outage write is deleted in L2, never left stale
    expect(await b.tier.get('k')).toBeUndefined(); // B dropped its copy on the replayed invalidation
  });

  it('reads keep being served from L1 and the loader while the breaker is open', async () => {
    const f = fleet<number>(1, { breakerThreshold: 1 });
    cleanup = f.close;
    await f.ready();
    const [a] = f.instances as [(typeof f.instances)[0]];
    await a.tier.set('k', 1);
    f.redis.down = true;
    expect(await a.tier.get('k')).toBe(1);
    let calls = 0;
    const r = await a.tier.getOrLoadWithStatus('m', async () => ++calls);
    expect(r).toEqual({ value: 1, status: 'load' });
    expect(await a.tier.getOrLoad('m', async () => ++calls)).toBe(1); // L1 (local mode)
    expect(calls).toBe(1);
    expect(a.tier.stats().l2Errors).toBeGreaterThan(0);
  });

  it('a command that hangs fails after commandTimeout and the loader answers', async () => {
    const f = fleet<number>(1, { commandTimeout: 50 });
    cleanup = f.close;
    await f.ready();
    const [a] = f.instances as [(typeof f.instances)[0]];
    const t = a.transport as MemoryTransport;
    t.get = () => new Promise(() => {});
    t.mget = () => new Promise(() => {}); // getOrLoad reads the value and its marker with one MGET
    const got = a.tier.getOrLoadWithStatus('k', async () => 7);
    await f.clock.advanceAsync(50); // the read of the value and its marker times out…
    await f.clock.advanceAsync(50); // …then the read of the global generation (before the loader runs)
    expect(await got).toEqual({ value: 7, status: 'load' });
    const errors: string[] = [];
    a.tier.on('l2-error', (e) => errors.push((e.error as Error).name));
    const miss = a.tier.get('x');
    await f.clock.advanceAsync(50);
    expect(await miss).toBeUndefined();
    expect(errors).toEqual(['TimeoutError']);
  });

  it('grace: a failing loader is answered with the last value within grace, with status fail-safe', async () => {
    const f = fleet<number>(1, { ttl: 100, grace: 1000 });
    cleanup = f.close;
    await f.ready();
    const [a] = f.instances as [(typeof f.instances)[0]];
    await a.tier.getOrLoad('k', async () => 1);
    f.clock.advance(500);
    const boom = new Error('db down');
    const events: unknown[] = [];
    a.tier.on('fail-safe', (e) => events.push(e));
    expect(
      await a.tier.getOrLoadWithStatus('k', async () => {
        throw boom;
      }),
    ).toEqual({ value: 1, status: 'fail-safe', error: boom });
    expect(events).toEqual([{ key: 'k', error: boom }]);
    f.clock.advance(700); // past grace
    await expect(
      a.tier.getOrLoad('k', async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(a.tier.stats().failSafeServes).toBe(1);
  });
});

describe('stampede lock across instances', () => {
  it('concurrent misses on three instances cause one loader call; the waiters read the value from L2', async () => {
    const f = fleet<number>(3, { lock: true });
    cleanup = f.close;
    await f.ready();
    let calls = 0;
    const gate = deferred<number>();
    const loader = async () => {
      calls++;
      return gate.promise;
    };
    const all = f.instances.flatMap((i) => Array.from({ length: 5 }, () => i.tier.getOrLoad('hot', loader)));
    await settle(50);
    expect(calls).toBe(1);
    gate.resolve(42);
    await settle(50);
    await f.clock.advanceAsync(200);
    expect(await Promise.all(all)).toEqual(Array(15).fill(42));
    expect(calls).toBe(1);
  });

  it('without the lock each instance loads once (single flight per instance)', async () => {
    const f = fleet<number>(3);
    cleanup = f.close;
    await f.ready();
    let calls = 0;
    const all = f.instances.flatMap((i) => Array.from({ length: 5 }, () => i.tier.getOrLoad('hot', async () => ++calls)));
    await Promise.all(all);
    expect(calls).toBe(3);
  });

  it('when the lock holder dies, a waiter loads after the lease runs out', async () => {
    const f = fleet<number>(2, { lock: true, lockLeaseMs: 100 });
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    void a.tier.getOrLoad('hot', () => new Promise<number>(() => {})); // holds the lock, never finishes
    await settle(50);
    let calls = 0;
    const got = b.tier.getOrLoad('hot', async () => ++calls);
    for (let i = 0; i < 20 && calls === 0; i++) await f.clock.advanceAsync(20);
    expect(await got).toBe(1);
    expect(b.tier.stats().lockWaits).toBe(1);
  });
});
