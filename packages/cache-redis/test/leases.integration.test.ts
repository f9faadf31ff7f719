// Leases for L2 fills against the machine's Redis (127.0.0.1:6379), each test under its own key prefix,
// cleaned up afterwards: the guarded-fill script and the markers with real Redis semantics, and the fleet
// demo's race with two tiers.
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BusHandlers, createTieredCache, ioredisTransport, type RedisTransport, type TieredCache } from '../src/index.js';
import { deferred } from './_helpers.js';
import { deletePrefix, eventually, REDIS_URL, uniquePrefix } from './_redis-server.js';

const skip = REDIS_URL === '';
if (skip) console.warn('cache-redis leases integration: REDIS_URL not set (no Redis on 6379?) — skipped');

/** An ioredis transport whose bus messages can be held back (a slow bus; the subscription stays up). */
function slowBus(client: Redis): { transport: RedisTransport; hold(): void; release(): void } {
  const inner = ioredisTransport(client, { heartbeatMs: 0 });
  let held: string[] | undefined;
  let deliver: (text: string) => void = () => {};
  const transport: RedisTransport = {
    get: (k) => inner.get(k),
    mget: (k) => inner.mget(k),
    set: (...a) => inner.set(...a),
    del: (...a) => inner.del(...a),
    setIfMarker: (...a) => inner.setIfMarker(...a),
    incr: (...a) => inner.incr(...a),
    setNx: (...a) => inner.setNx(...a),
    delIfEquals: (...a) => inner.delIfEquals(...a),
    close: () => inner.close(),
    subscribe(channel: string, handlers: BusHandlers) {
      deliver = (text) => handlers.message(text);
      return inner.subscribe(channel, { ...handlers, message: (text) => (held === undefined ? deliver(text) : held.push(text)) });
    },
  };
  return {
    transport,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const messages = held ?? [];
      held = undefined;
      for (const m of messages) deliver(m);
    },
  };
}

describe.skipIf(skip)('leases for L2 fills on the machine’s Redis', () => {
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

  function client(): Redis {
    const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  }

  async function tier<V>(options: Record<string, unknown> = {}): Promise<TieredCache<V>> {
    const t = createTieredCache<V>({ redis: options.transport === undefined ? client() : undefined, prefix, ...options });
    tiers.push(t as TieredCache<unknown>);
    await t.ready();
    return t;
  }

  it("fleet demo race (issue 22 note): a load that read the old row before a write commits must not land in L2 after the write's delete", async () => {
    prefix = uniquePrefix('lease-race');
    const bus = slowBus(client());
    const a = await tier<string>({ transport: bus.transport });
    const b = await tier<string>();
    let row = 'old';
    let calls = 0;
    const gate = deferred<void>();
    bus.hold(); // B's invalidation reaches A only after A's load has ended
    const loading = a.getOrLoadWithStatus('row', async () => {
      calls++;
      const read = row; // A reads the old row…
      await gate.promise;
      return read;
    });
    await eventually("A's loader to run", () => calls === 1);
    row = 'new'; // …B's write commits…
    expect(await b.delete('row')).toBe('written'); // …and B deletes the key in Redis
    gate.resolve(); // A's load ends after the delete
    expect(await loading).toEqual({ value: 'old', status: 'load' });
    expect(await admin.exists(`${prefix}d:row`)).toBe(0); // the old row did not land in L2
    expect(a.stats().staleFillsDropped).toBe(1);
    expect(await b.get('row')).toBeUndefined();
    bus.release();
    await eventually('A to hear of the delete', () => a.stats().invalidationsReceived >= 1);
    expect(await a.getOrLoad('row', async () => row)).toBe('new');
    expect(await b.get('row')).toBe('new');
  });

  it('a write leaves a marker for markerTtl; the guarded fill script stores only under the marker it was given', async () => {
    prefix = uniquePrefix('lease-script');
    const a = await tier<string>({ markerTtl: 30_000 });
    await a.set('k', 'v');
    const marker = await admin.get(`${prefix}m:k`);
    expect(marker).toMatch(/\S/);
    const pttl = await admin.pttl(`${prefix}m:k`);
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    const t = ioredisTransport(client(), { heartbeatMs: 0 });
    const [key, mkey, channel] = [`${prefix}d:x`, `${prefix}m:x`, `${prefix}bus`];
    // No marker: the lease '' matches, a TTL is set.
    expect(await t.setIfMarker(key, 'one', 5000, mkey, '', channel, 'o|k|x')).toBe(true);
    expect(await admin.get(key)).toBe('one');
    expect(await admin.pttl(key)).toBeGreaterThan(4000);
    // A delete moves the marker: the old lease is refused and nothing changes.
    await t.del(key, channel, 'o|k|x', { key: mkey, value: 'm1', ttlMs: 10_000 });
    expect(await t.setIfMarker(key, 'stale', 5000, mkey, '', channel, 'o|k|x')).toBe(false);
    expect(await admin.exists(key)).toBe(0);
    // The current marker is accepted; ttl 0 stores without expiry.
    expect(await t.setIfMarker(key, 'two', 0, mkey, 'm1', channel, 'o|k|x')).toBe(true);
    expect(await admin.get(key)).toBe('two');
    expect(await admin.pttl(key)).toBe(-1);
    await t.close();
  });

  it('round trips unchanged: a getOrLoad L2 hit is one command, a miss-and-set two', async () => {
    prefix = uniquePrefix('lease-rtt');
    const a = await tier<number>();
    const b = await tier<number>();
    await a.set('warm', 0);
    await b.set('warm2', 0);
    await a.set('k', 1);
    let before = b.stats().l2Commands;
    expect(await b.getOrLoadWithStatus('k', async () => 9)).toEqual({ value: 1, status: 'l2' });
    expect(b.stats().l2Commands - before).toBe(1);
    before = b.stats().l2Commands;
    expect(await b.getOrLoad('miss', async () => 5)).toBe(5);
    expect(b.stats().l2Commands - before).toBe(2);
    expect(await admin.exists(`${prefix}d:miss`)).toBe(1);
  });
});
