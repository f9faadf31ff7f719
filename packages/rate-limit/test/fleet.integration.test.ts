// Fleet test: 3 processes share one Redis (our own redis-server on a free loopback port) and hammer one key for
// 5 s: the total allowed is within 1 % of the limit. Then Redis is stopped and every down-policy is checked:
// decisions keep coming (within the command timeout), marked degraded, with one store-down event.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/index.js';
import { ownRedis } from './_redis.js';

let redis: Awaited<ReturnType<typeof ownRedis>>;
beforeAll(async () => {
  redis = await ownRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const LIMIT = 3_000;
const PERIOD_MS = 3_600_000;
const DURATION_MS = 5_000;

function worker(prefix: string): Promise<{ allowed: number; denied: number; degraded: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'fleet-worker.ts')], {
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        PREFIX: prefix,
        LIMIT: String(LIMIT),
        PERIOD_MS: String(PERIOD_MS),
        DURATION_MS: String(DURATION_MS),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('fleet on one Redis', () => {
  it('3 processes hammering one key for 5 s: total allowed within 1 % of the limit', async () => {
    const results = await Promise.all([worker('fleet:'), worker('fleet:'), worker('fleet:')]);
    const allowed = results.reduce((n, r) => n + r.allowed, 0);
    const denied = results.reduce((n, r) => n + r.denied, 0);
    // GCRA allows burst (= limit) at once plus the refill over the run: 3,000 × 5 s / 1 h ≈ 4
    const expected = LIMIT + (LIMIT * DURATION_MS) / PERIOD_MS;
    expect(results.every((r) => r.degraded === 0)).toBe(true);
    expect(denied).toBeGreaterThan(LIMIT); // they really hammered
    expect(Math.abs(allowed - expected)).toBeLessThanOrEqual(LIMIT * 0.01);
    for (const r of results) expect(r.allowed).toBeGreaterThan(0);
  }, 60_000);

  it('Redis stopped: fail-open, fail-closed and local decide without hanging, degraded, with one store-down event', async () => {
    const clients: Redis[] = [];
    const make = (whenDown: 'fail-open' | 'fail-closed' | 'local') => {
      const client = new Redis(redis.url, { maxRetriesPerRequest: null });
      client.on('error', () => {}); // connection errors after the stop are expected; the limiter reports them
      clients.push(client);
      return new RateLimiter({ limits: { limit: 6, periodMs: 60_000 }, redis: { client, whenDown, instances: 3, commandTimeoutMs: 100 } });
    };
    const open = make('fail-open');
    const closed = make('fail-closed');
    const local = make('local');
    for (const l of [open, closed, local]) expect((await l.limit('k')).degraded).toBe(false);
    const downs: string[] = [];
    for (const [name, l] of [
      ['open', open],
      ['closed', closed],
      ['local', local],
    ] as const) {
      l.on('store-down', (e) => downs.push(`${name}:${e.error.code}`));
    }
    await redis.stop();
    const guard = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a decision hung')), 2_000))]);
    expect(await guard(open.limit('k'))).toMatchObject({ allowed: true, degraded: true });
    expect(await guard(closed.limit('k'))).toMatchObject({ allowed: false, degraded: true });
    const localAllowed: boolean[] = [];
    for (let i = 0; i < 3; i++) localAllowed.push((await guard(local.limit('k'))).allowed);
    expect(localAllowed).toEqual([true, true, false]); // 6 / 3 instances = 2 here
    expect(downs.sort()).toEqual(['closed:ERR_RATE_LIMIT_STORE', 'local:ERR_RATE_LIMIT_STORE', 'open:ERR_RATE_LIMIT_STORE']);
    expect(local.stats()).toMatchObject({ storeDown: true, degraded: 3 });
    for (const c of clients) c.disconnect();
  }, 30_000);
});
