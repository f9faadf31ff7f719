// Fleet test: three processes share one (own) redis-server. (a) invalidation delay, (b) stampede across
// instances with and without the lock, (c) the bus connection of one process killed during a write.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, OwnRedis, REDIS_SERVER_BIN } from './_redis-server.js';

const skip = REDIS_SERVER_BIN === '';
if (skip) console.warn('cache-redis fleet test: REDIS_SERVER_BIN not set (redis-server missing?) — skipped');

const root = join(import.meta.dirname, '..', '..', '..');

class Worker {
  readonly #proc: ChildProcess;
  #seq = 0;
  readonly #pending = new Map<number, (m: Record<string, unknown>) => void>();
  readonly invalidations: { key: string; at: number }[] = [];
  readonly ready: Promise<void>;

  constructor(port: number, prefix: string, id: number) {
    // cwd = the repo root so that tsx resolves @scaling/* to sources through tsconfig paths (no build needed)
    this.#proc = fork(join(import.meta.dirname, 'fixtures', 'fleet-worker.ts'), [], {
      cwd: root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve) => {
      this.#proc.on('message', (m: Record<string, unknown>) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'invalidated') this.invalidations.push(m as { key: string; at: number });
        else {
          const r = this.#pending.get(m.seq as number);
          this.#pending.delete(m.seq as number);
          r?.(m);
        }
      });
    });
    this.#proc.send({ port, prefix, id });
  }

  request(m: Record<string, unknown>): Promise<Record<string, unknown>> {
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      this.#pending.set(seq, resolve);
      this.#proc.send({ ...m, seq });
    });
  }

  send(m: Record<string, unknown>): void {
    this.#proc.send(m);
  }

  kill(): void {
    this.#proc.kill('SIGKILL');
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe.skipIf(skip)('fleet of three processes on one Redis', () => {
  let server: OwnRedis;
  let workers: Worker[] = [];
  let admin: Redis;

  beforeAll(async () => {
    server = await OwnRedis.start();
    admin = new Redis({ host: '127.0.0.1', port: server.port });
    workers = [0, 1, 2].map((id) => new Worker(server.port, 'fleet:', id));
    await Promise.all(workers.map((w) => w.ready));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => Promise.race([w.request({ type: 'close' }), new Promise((r) => setTimeout(r, 2000))])));
    for (const w of workers) w.kill();
    admin?.disconnect();
    await server?.destroy();
  });

  it('(a) a write on one process is seen by reads on the others; p99 invalidation delay reported', async () => {
    const [writer, r1, r2] = workers as [Worker, Worker, Worker];
    r1.send({ type: 'watch' });
    r2.send({ type: 'watch' });
    const delays: number[] = [];
    const rounds = 200;
    for (let i = 0; i < rounds; i++) {
      const key = `a:${i % 10}`;
      // both readers hold the key in L1
      await Promise.all([r1.request({ type: 'get', key }), r2.request({ type: 'get', key })]);
      const n1 = r1.invalidations.length;
      const n2 = r2.invalidations.length;
      const { at } = (await writer.request({ type: 'set', key, value: i })) as { at: number };
      await eventually('both readers to be invalidated', () => r1.invalidations.length > n1 && r2.invalidations.length > n2, 5000);
      for (const r of [r1, r2]) delays.push((r.invalidations.at(-1) as { at: number }).at - at);
      expect((await r1.request({ type: 'get', key })).value).toBe(i);
      expect((await r2.request({ type: 'get', key })).value).toBe(i);
    }
    delays.sort((x, y) => x - y);
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    console.log(
      `fleet invalidation delay (write start → applied on another process): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(delays.at(-1) as number).toFixed(2)} ms over ${delays.length}`,
    );
    // The figure for the goal (≤ 5 ms on loopback) is reported; the test bounds it loosely (shared CI machines).
    expect(p99).toBeLessThan(250);
  }, 60_000);

  it('(b) 3 × 50 concurrent misses → one loader call with the lock, at most three without', async () => {
    const run = async (key: string, lock: boolean) => {
      const replies = await Promise.all(workers.map((w) => w.request({ type: 'stampede', key, n: 50, lock })));
      return replies.reduce((s, r) => s + (r.calls as number), 0);
    };
    expect(await run('b:locked', true)).toBe(1);
    const unlocked = await run('b:free', false);
    expect(unlocked).toBeGreaterThanOrEqual(1);
    expect(unlocked).toBeLessThanOrEqual(3);
  }, 30_000);

  it('(c) CLIENT KILL of one process’s bus, a write from another during the gap: never the old value after reconnect', async () => {
    const [p0, p1] = workers as [Worker, Worker];
    await p0.request({ type: 'set', key: 'c', value: 'old' });
    expect((await p1.request({ type: 'get', key: 'c' })).value).toBe('old');
    expect((await p1.request({ type: 'get', key: 'c' })).value).toBe('old'); // from p1's L1
    const before = ((await p1.request({ type: 'stats' })).stats as { busReconnects: number }).busReconnects;
    const list = (await admin.client('LIST')) as string;
    const id = /id=(\d+) [^\n]* name=fleet-bus-1 /.exec(list)?.[1];
    expect(id).toBeDefined();
    await admin.client('KILL', 'ID', id as string);
    await p0.request({ type: 'set', key: 'c', value: 'new' });
    await eventually('p1 to resubscribe', async () => {
      const s = (await p1.request({ type: 'stats' })).stats as { busReconnects: number; busConnected: boolean };
      return s.busReconnects > before && s.busConnected;
    });
    for (let i = 0; i < 10; i++) expect((await p1.request({ type: 'get', key: 'c' })).value).toBe('new');
  }, 30_000);
});
