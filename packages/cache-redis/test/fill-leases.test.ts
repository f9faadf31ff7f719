// Leases for L2 fills (src/_fill-leases.ts): a load whose key was written or deleted on another instance after
// its L2 read must not store its result in Redis, even when that instance's invalidation reaches the loader
// only after the load has ended. Interleavings are driven by hand (held bus messages, gated loaders).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { deferred, fleet } from './_helpers.js';
import { settle } from './_memory-redis.js';

let cleanup: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Two instances A and B sharing one in-memory Redis; A hears the bus late (its messages are held). */
async function twoInstances(options: Parameters<typeof fleet>[1] = {}) {
  const f = fleet<string>(2, options);
  cleanup = f.close;
  await f.ready();
  const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
  return { f, a, b };
}

describe('leases: a load racing a write on another instance', () => {
  it("fleet demo race (issue 22 note): a load that read the old row before a write commits must not land in L2 after the write's delete", async () => {
    const { f, a, b } = await twoInstances();
    const db = { row: 'old' };
    a.transport.hold(); // B's invalidation reaches A only after A's load has ended
    const gate = deferred<void>();
    let calls = 0;
    const loading = a.tier.getOrLoadWithStatus('row', async () => {
      calls++;
      const read = db.row; // A reads the old row…
      await gate.promise;
      return read;
    });
    await settle();
    expect(calls).toBe(1);
    db.row = 'new'; // …B's write commits…
    expect(await b.tier.delete('row')).toBe('written'); // …and B deletes the key in Redis
    gate.resolve(); // A's load ends after the delete
    expect(await loading).toEqual({ value: 'old', status: 'load' }); // the caller still gets its value
    expect(f.redis.read('t:d:row')).toBeNull(); // but Redis did not take it
    expect(a.l1.get('row')).toBeUndefined(); // nor A's L1
    expect(a.tier.stats().staleFillsDropped).toBe(1);
    expect(await b.tier.get('row')).toBeUndefined();
    a.transport.release();
    await settle();
    expect(await a.tier.getOrLoad('row', async () => db.row)).toBe('new');
    expect(await b.tier.get('row')).toBe('new');
  });

  it("a write (not a delete) on another instance during the load: Redis keeps the write's value", async () => {
    const { f, a, b } = await twoInstances();
    a.transport.hold();
    const gate = deferred<void>();
    const loading = a.tier.getOrLoad('row', async () => {
      await gate.promise;
      return 'old';
    });
    await settle();
    await b.tier.set('row', 'new');
    gate.resolve();
    expect(await loading).toBe('old');
    expect(await b.tier.get('row')).toBe('new');
    expect(f.redis.read('t:d:row')).toContain('"new"');
    expect(a.tier.stats().staleFillsDropped).toBe(1);
  });

  it('without a race the load is stored in both levels, the value and the marker read in one round trip', async () => {
    const { f, a, b } = await twoInstances();
    await b.tier.delete('row'); // leaves a marker: the lease is its value, not ''
    await a.tier.set('warm', 'x'); // learns the global generation
    const before = a.tier.stats().l2Commands;
    expect(await a.tier.getOrLoadWithStatus('row', async () => 'v')).toEqual({ value: 'v', status: 'load' });
    expect(a.tier.stats().l2Commands - before).toBe(2); // MGET value+marker, then the guarded SET
    expect(a.tier.stats().staleFillsDropped).toBe(0);
    expect(f.redis.read('t:d:row')).toContain('"v"');
    expect(await b.tier.getOrLoadWithStatus('row', async () => 'other')).toEqual({ value: 'v', status: 'l2' });
    expect(await a.tier.getOrLoadWithStatus('row', async () => 'other')).toEqual({ value: 'v', status: 'l1' });
  });

  it('a write leaves a marker with the markerTtl; a load ending later than markerTtl after its read is not stored in L2', async () => {
    const { f, a, b } = await twoInstances({ markerTtl: 1000, ttl: 60_000 });
    await b.tier.set('w', 'x');
    const marker = f.redis.read('t:m:w');
    expect(marker).toMatch(/\S/);
    f.clock.advance(999);
    expect(f.redis.read('t:m:w')).toBe(marker);
    f.clock.advance(1);
    expect(f.redis.read('t:m:w')).toBeNull();
    const gate = deferred<void>();
    const loading = a.tier.getOrLoad('slow', async () => {
      await gate.promise;
      return 'v';
    });
    await settle();
    f.clock.advance(1000); // no write happened, but one could have, and its marker be gone by now
    gate.resolve();
    expect(await loading).toBe('v');
    expect(f.redis.read('t:d:slow')).toBeNull();
    expect(a.tier.stats().staleFillsDropped).toBe(1);
  });

  it('a stale-while-revalidate refresh started from L1 reads the lease before its loader runs', async () => {
    const { f, a, b } = await twoInstances({ ttl: 100, staleWhileRevalidate: 1000 });
    expect(await a.tier.getOrLoad('row', async () => 'v1')).toBe('v1');
    f.clock.advance(200); // stale in A's L1
    a.transport.hold();
    const gate = deferred<void>();
    let refreshed = false;
    const stale = await a.tier.getOrLoadWithStatus('row', async () => {
      await gate.promise;
      refreshed = true;
      return 'v1-reread';
    });
    expect(stale).toEqual({ value: 'v1', status: 'stale' });
    await settle();
    await b.tier.delete('row');
    gate.resolve();
    await settle(50);
    expect(refreshed).toBe(true);
    expect(f.redis.read('t:d:row')).toBeNull();
    expect(a.tier.stats().staleFillsDropped).toBe(1);
  });

  it('writes on this instance during its own load are seen locally and counted too', async () => {
    const { f, a } = await twoInstances();
    const gate = deferred<void>();
    const loading = a.tier.getOrLoad('row', async () => {
      await gate.promise;
      return 'old';
    });
    await settle();
    await a.tier.set('row', 'new');
    gate.resolve();
    expect(await loading).toBe('old');
    expect(await a.tier.get('row')).toBe('new');
    expect(f.redis.read('t:d:row')).toContain('"new"');
    expect(a.tier.stats().staleFillsDropped).toBe(1);
  });

  it('the replay of a write queued during an outage moves the marker too', async () => {
    const { f, a, b } = await twoInstances({ breakerThreshold: 1, breakerOpenMs: 100 });
    b.transport.hold();
    const gate = deferred<void>();
    const loading = b.tier.getOrLoad('row', async () => {
      await gate.promise;
      return 'old';
    });
    await settle();
    f.redis.down = true;
    expect(await a.tier.delete('row')).toBe('queued');
    f.redis.down = false;
    f.clock.advance(100);
    await a.tier.get('probe'); // closes the breaker; the queue is replayed
    await settle(50);
    expect(a.tier.stats().pendingWrites).toBe(0);
    gate.resolve();
    expect(await loading).toBe('old');
    expect(f.redis.read('t:d:row')).toBeNull();
    expect(b.tier.stats().staleFillsDropped).toBe(1);
  });

  it('property: whatever the interleaving of a load and a write elsewhere, L2 never ends up holding a value read before the write', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, deleteNotSet) => {
        const f = fleet<string>(2);
        try {
          await f.ready();
          const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
          a.transport.hold(); // the worst case: A hears of B's write only after everything
          let db = 'old';
          // The loader reads the row when called; when its answer arrives is up to the scheduler.
          const load = a.tier.getOrLoad(
            'row',
            s.scheduleFunction(async () => db),
          );
          const write = s.schedule(Promise.resolve('write')).then(async () => {
            db = 'new';
            await (deleteNotSet ? b.tier.delete('row') : b.tier.set('row', 'new'));
          });
          await s.waitFor(Promise.all([load, write]));
          const stored = f.redis.read('t:d:row');
          if (stored !== null) expect(stored).toContain('"new"');
        } finally {
          await f.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
