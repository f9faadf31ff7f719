// Faults on an own redis-server (free loopback port, temp dir): stopped mid-run and restarted, bus
// connection killed. Never touches the machine's Redis.
import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createTieredCache, ioredisTransport, type TieredCache } from '../src/index.js';
import { clientOptions, eventually, OwnRedis, REDIS_SERVER_BIN } from './_redis-server.js';

const skip = REDIS_SERVER_BIN === '';
if (skip) console.warn('cache-redis fault tests: REDIS_SERVER_BIN not set (redis-server missing?) — skipped');

/** The CLIENT LIST id of the connection named `name`. */
async function clientId(admin: Redis, name: string): Promise<string> {
  const list = (await admin.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  if (line === undefined) throw new Error(`no connection named ${name}`);
  return (/id=(\d+)/.exec(line) as RegExpExecArray)[1] as string;
}

describe.skipIf(skip)('faults on an own redis-server', () => {
  let server: OwnRedis | undefined;
  const clients: Redis[] = [];
  const tiers: TieredCache<unknown>[] = [];
  afterEach(async () => {
    await Promise.all(tiers.splice(0).map((t) => t.close()));
    for (const c of clients.splice(0)) c.disconnect();
    await server?.destroy();
    server = undefined;
  });

  function client(port: number): Redis {
    const c = new Redis(clientOptions(port));
    c.on('error', () => {});
    clients.push(c);
    return c;
  }

  async function tier<V>(port: number, name: string, options: Record<string, unknown> = {}): Promise<TieredCache<V>> {
    const t = createTieredCache<V>({
      transport: ioredisTransport(client(port), { connectionName: name, heartbeatMs: 200, heartbeatTimeoutMs: 200 }),
      prefix: 'fault:',
      ...options,
    });
    tiers.push(t as TieredCache<unknown>);
    await t.ready();
    return t;
  }

  it('Redis stopped mid-run: served from L1 and the loader within the command timeout, breaker opens, recovery without restart', async () => {
    server = await OwnRedis.start();
    const commandTimeout = 100;
    const a = await tier<number>(server.port, 'bus-a', { commandTimeout, breakerThreshold: 3, breakerOpenMs: 200 });
    const states: string[] = [];
    a.on('breaker', ({ state }) => states.push(state));
    let _loads = 0;
    const loader = async (key: string) => {
      _loads++;
      return Number(key.slice(1));
    };
    for (let i = 0; i < 10; i++) expect(await a.getOrLoad(`k${i}`, loader)).toBe(i);

    await server.stop();
    let slowest = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setImmediate(r)); // requests arrive through I/O turns
        const t0 = performance.now();
        expect(await a.getOrLoad(`k${i}`, loader)).toBe(i); // k0..k9 from L1, k10..k19 from the loader
        slowest = Math.max(slowest, performance.now() - t0);
      }
    }
    // A bound, not a speed check: no read waits on Redis longer than the command timeout (plus scheduling slack).
    expect(slowest).toBeLessThan(commandTimeout + 150);
    expect(states[0]).toBe('open');
    expect(a.stats().busConnected).toBe(false);
    // A write during the outage: local at once, queued for replay.
    expect(await a.set('k1', 100)).toBe('queued');
    expect(await a.get('k1')).toBe(100);

    await server.start();
    await eventually('the tier to recover', async () => {
      await a.getOrLoad('k0', loader);
      const s = a.stats();
      return s.breakerState === 'closed' && s.busConnected && s.pendingWrites === 0;
    });
    expect(a.stats().busReconnects).toBeGreaterThanOrEqual(1);
    expect(states).toContain('closed');
    // Back to normal: writes reach Redis again, and the queued write was replayed as an invalidation.
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    clients.push(admin);
    expect(await admin.exists('fault:d:k1')).toBe(0);
    expect(await a.set('k2', 2)).toBe('written');
    expect(await admin.exists('fault:d:k2')).toBe(1);
  });

  it('CLIENT KILL of the bus connection: a write made during the gap is never hidden by the old L1 value', async () => {
    server = await OwnRedis.start();
    const a = await tier<number>(server.port, 'bus-a');
    const b = await tier<number>(server.port, 'bus-b');
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    clients.push(admin);
    await a.set('k', 1);
    expect(await b.get('k')).toBe(1);
    expect(await b.get('k')).toBe(1); // in b's L1
    await admin.client('KILL', 'ID', await clientId(admin, 'bus-b'));
    await a.set('k', 2); // published while b has no subscription: b never receives it
    await eventually('b to resubscribe', () => b.stats().busReconnects >= 1 && b.stats().busConnected);
    for (let i = 0; i < 5; i++) expect(await b.get('k')).toBe(2);
  });
});
