import { afterEach, describe, expect, it } from 'vitest';
import { deferred, fleet } from './_helpers.js';
import type { MemoryTransport } from './_memory-redis.js';
import { settle } from './_memory-redis.js';

let cleanup: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('cross-instance invalidation', () => {
  it('a write on one instance makes the others drop their L1 copy; its own message is ignored', async () => {
    const f = fleet<number>(2);
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    await a.tier.set('k', 1);
    expect(await b.tier.get('k')).toBe(1); // from L2, now in B's L1
    expect(await b.tier.get('k')).toBe(1);
    expect(b.tier.stats().l1Hits).toBe(1);
    await a.tier.set('k', 2);
    await settle();
    expect(await b.tier.get('k')).toBe(2);
    expect(b.tier.stats().invalidationsReceived).toBe(2);
    expect(a.tier.stats().invalidationsReceived).toBe(0);
    await a.tier.delete('k');
    await settle();
    expect(await b.tier.get('k')).toBeUndefined();
  });

  it('deleteByTag invalidates tagged entries on every instance without touching the others', async () => {
    const f = fleet<number>(2);
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    await a.tier.set('p1', 1, { tags: ['product'] });
    await a.tier.set('p2', 2, { tags: ['product', 'sale'] });
    await a.tier.set('u1', 3, { tags: ['user'] });
    for (const k of ['p1', 'p2', 'u1']) await b.tier.get(k);
    await b.tier.deleteByTag('product');
    await settle();
    for (const t of [a, b]) {
      expect(await t.tier.get('p1')).toBeUndefined();
      expect(await t.tier.get('p2')).toBeUndefined();
      expect(await t.tier.get('u1')).toBe(3);
    }
    expect(f.redis.keys().filter((k) => k.startsWith('t:d:'))).toHaveLength(3); // nothing scanned or deleted in Redis
  });

  it('namespaces prefix keys and clear() only their own entries; the root clear() drops everything', async () => {
    const f = fleet<number>(2);
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    const users = a.tier.namespace('users');
    await users.set('1', 1);
    await a.tier.set('other', 2);
    expect(await b.tier.get('users:1')).toBe(1);
    await users.clear();
    await settle();
    expect(await b.tier.namespace('users').get('1')).toBeUndefined();
    expect(await b.tier.get('other')).toBe(2);
    await b.tier.clear();
    await settle();
    expect(await a.tier.get('other')).toBeUndefined();
  });

  it('missed invalidations: while the bus is down L1 is bypassed, and it is flushed when the bus is back', async () => {
    const f = fleet<number>(2);
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    await a.tier.set('k', 1);
    expect(await b.tier.get('k')).toBe(1);
    expect(b.l1.size).toBe(1);
    b.transport.dropBus();
    await a.tier.set('k', 2); // B never hears of it
    await settle();
    expect(b.tier.stats().busConnected).toBe(false);
    expect(await b.tier.get('k')).toBe(2); // read through to L2
    b.transport.restoreBus();
    expect(b.l1.size).toBe(0);
    expect(b.tier.stats().busReconnects).toBe(1);
    expect(await b.tier.get('k')).toBe(2);
  });

  it('a read in flight when its key is invalidated does not store the older value in L1', async () => {
    const f = fleet<number>(2);
    cleanup = f.close;
    await f.ready();
    const [a, b] = f.instances as [(typeof f.instances)[0], (typeof f.instances)[0]];
    await a.tier.set('k', 1);
    // Hold B's GET reply until after A's newer write has been announced.
    const t = b.transport as MemoryTransport & { get: MemoryTransport['get'] };
    const original = t.get.bind(t);
    const gate = deferred<void>();
    t.get = async (key) => {
      const v = await original(key);
      await gate.promise;
      return v;
    };
    const read = b.tier.get('k');
    await settle();
    await a.tier.set('k', 2);
    await settle();
    gate.resolve();
    expect(await read).toBe(1); // the read raced the write: either answer is allowed…
    t.get = original;
    expect(await b.tier.get('k')).toBe(2); // …but the old value was not kept
  });
});
