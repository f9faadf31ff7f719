// Against the machine's Redis (127.0.0.1:6379), each test under its own key prefix, cleaned up afterwards.
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTieredCache, SerializationError, type TieredCache } from '../src/index.js';
import { deletePrefix, eventually, REDIS_URL, uniquePrefix } from './_redis-server.js';

const skip = REDIS_URL === '';
if (skip) console.warn('cache-redis integration: REDIS_URL not set (no Redis on 6379?) — skipped');

describe.skipIf(skip)('tiered cache on the machine’s Redis', () => {
  let admin: Redis;
  const clients: Redis[] = [];
  const tiers: TieredCache<unknown>[] = [];
  let prefix = '';

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(tiers.splice(0).map((t) => t.close()));
    for (const c of clients.splice(0)) c.disconnect();
    await deletePrefix(admin, prefix);
  });
  afterAll(() => admin.disconnect());

  async function tier<V>(options: Record<string, unknown> = {}): Promise<TieredCache<V>> {
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(client);
    const t = createTieredCache<V>({ redis: client, prefix, ...options });
    tiers.push(t as TieredCache<unknown>);
    await t.ready();
    return t;
  }

  it('a write on one instance is seen by the other (L1 copy dropped via pub/sub)', async () => {
    prefix = uniquePrefix('basic');
    const a = await tier<number>();
    const b = await tier<number>();
    await a.set('k', 1);
    // (a read racing the write's own invalidation is answered but not kept in L1: wait for the message first)
    await eventually('the first invalidation to reach b', () => b.stats().invalidationsReceived >= 1);
    expect(await b.get('k')).toBe(1);
    expect(await b.get('k')).toBe(1);
    expect(b.stats().l1Hits).toBe(1);
    await a.set('k', 2);
    await eventually('the invalidation to reach b', () => b.stats().invalidationsReceived >= 2);
    expect(await b.get('k')).toBe(2);
    expect(a.stats().invalidationsReceived).toBe(0); // its own messages are ignored
  });

  it('round trips: one command for an L2 hit, two for a miss-and-set', async () => {
    prefix = uniquePrefix('rtt');
    const a = await tier<number>();
    const b = await tier<number>();
    await a.set('warm', 0); // learns the generation (one MGET on first use)
    await b.get('warm');
    await a.set('k', 1);
    let before = b.stats().l2Commands;
    expect(await b.get('k')).toBe(1);
    expect(b.stats().l2Commands - before).toBe(1);
    before = b.stats().l2Commands;
    expect(await b.getOrLoad('miss', async () => 5)).toBe(5);
    expect(b.stats().l2Commands - before).toBe(2);
  });

  it('entries carry a Redis TTL covering ttl + grace; tags invalidate without touching keys', async () => {
    prefix = uniquePrefix('ttl');
    const a = await tier<{ at: Date; n: bigint }>({ ttl: 10_000, grace: 50_000 });
    await a.set('k', { at: new Date(7), n: 9n }, { tags: ['group'] });
    const pttl = await admin.pttl(`${prefix}d:k`);
    expect(pttl).toBeGreaterThan(50_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
    const b = await tier<{ at: Date; n: bigint }>();
    expect(await b.get('k')).toEqual({ at: new Date(7), n: 9n });
    await b.deleteByTag('group');
    expect(await b.get('k')).toBeUndefined();
    await eventually('a to hear of the tag', () => a.stats().invalidationsReceived >= 1);
    expect(await a.get('k')).toBeUndefined();
    expect(await admin.exists(`${prefix}d:k`)).toBe(1); // no scan, no delete: the version made it invalid
  });

  it('an unserialisable value writes nothing to Redis', async () => {
    prefix = uniquePrefix('bad');
    const a = await tier();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await expect(a.set('k', cycle)).rejects.toBeInstanceOf(SerializationError);
    await expect(a.getOrLoad('j', async () => ({ f() {} }))).rejects.toBeInstanceOf(SerializationError);
    const [, keys] = await admin.scan('0', 'MATCH', `${prefix}d:*`, 'COUNT', 1000);
    expect(keys).toEqual([]);
  });

  it('the stampede lock: 2 × 20 concurrent misses → one loader call', async () => {
    prefix = uniquePrefix('lock');
    const a = await tier<number>({ lock: true });
    const b = await tier<number>({ lock: true });
    let calls = 0;
    const loader = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 30));
      return 42;
    };
    const all = [a, b].flatMap((t) => Array.from({ length: 20 }, () => t.getOrLoad('hot', loader)));
    expect(await Promise.all(all)).toEqual(Array(40).fill(42));
    expect(calls).toBe(1);
    expect(await admin.exists(`${prefix}l:hot`)).toBe(0); // released
  });
});
