// The Redis store against the machine's Redis (plain, non-fault tests): the shared conformance suite with time
// driven through the script's argument, the same decisions as the in-process store for the same sequence, with
// ioredis and node-redis, NOSCRIPT recovery, key expiry and Cluster-safe key names.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/_memory-store.js';
import { RedisStore } from '../src/_redis-store.js';
import { compileRule } from '../src/_rules.js';
import { RateLimiter, type RedisCommand, toRedisCommand } from '../src/index.js';
import { ALGORITHMS, drive, opArb, rulesArb, storeConformance } from './_conformance.js';
import { REDIS_URL, uniquePrefix } from './_redis.js';

const ioredis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const nodeRedis = createClient({ url: REDIS_URL });
let send: RedisCommand;

beforeAll(async () => {
  await ioredis.connect();
  await nodeRedis.connect();
  send = toRedisCommand(ioredis);
});

afterAll(async () => {
  ioredis.disconnect();
  await nodeRedis.close();
});

storeConformance('Redis (ioredis)', (rules) => new RedisStore(rules, send, uniquePrefix()), 30);

describe('Redis store matches the in-process store', () => {
  for (const algorithm of ALGORITHMS) {
    for (const client of ['ioredis', 'node-redis'] as const) {
      it(`${algorithm} via ${client}: identical decisions for the same request sequence and times`, async () => {
        await fc.assert(
          fc.asyncProperty(rulesArb(algorithm), fc.array(opArb, { maxLength: 50 }), async (rules, ops) => {
            const redis = new RedisStore(rules, toRedisCommand(client === 'ioredis' ? ioredis : nodeRedis), uniquePrefix());
            const memory = new MemoryStore(rules, 100, new ManualClock());
            const a = await drive(redis, ops, 2_000_000);
            const b = await drive(memory, ops, 2_000_000);
            expect(a.events).toEqual(b.events);
          }),
          { numRuns: 20 },
        );
      });
    }
  }
});

describe('Redis store mechanics', () => {
  it('reloads the script after SCRIPT FLUSH (NOSCRIPT → EVAL once, then EVALSHA again)', async () => {
    const prefix = uniquePrefix();
    const store = new RedisStore([compileRule('limits', { limit: 5, periodMs: 1000 }, 'gcra')], send, prefix);
    // a fresh SHA is unknown only on a fresh server; simulate with a client that answers NOSCRIPT once
    let first = true;
    const flaky: RedisCommand = (args, key) => {
      if (first && args[0] === 'EVALSHA') {
        first = false;
        return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
      }
      return send(args, key);
    };
    const s2 = new RedisStore([compileRule('limits', { limit: 5, periodMs: 1000 }, 'gcra')], flaky, prefix);
    expect((await s2.consume('k', 1)).allowed).toBe(true);
    expect(s2.scriptLoads).toBe(1);
    expect((await s2.consume('k', 1)).remaining).toBe(3);
    expect(s2.scriptLoads).toBe(1);
    expect((await store.consume('k', 1)).remaining).toBe(2);
  });

  it('keys carry a hash tag per client and expire once the limit is fully replenished', async () => {
    const prefix = uniquePrefix();
    const limiter = new RateLimiter({
      limits: [
        { limit: 10, periodMs: 200, name: 'fast' },
        { limit: 100, periodMs: 400, name: 'slow' },
      ],
      redis: { client: ioredis, prefix },
    });
    await limiter.limit('user:1', 5);
    const keys = (await ioredis.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}{user:1}:0`, `${prefix}{user:1}:1`]);
    const ttl = await ioredis.pttl(keys[1] as string);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(22);
    await new Promise((r) => setTimeout(r, 120));
    expect(await ioredis.keys(`${prefix}*`)).toEqual([]);
  });

  it('reset(key) deletes every limit of the key', async () => {
    const prefix = uniquePrefix();
    const limiter = new RateLimiter({ limits: { limit: 2, periodMs: 60_000 }, redis: { client: nodeRedis, prefix } });
    await limiter.limit('a', 2);
    expect((await limiter.limit('a')).allowed).toBe(false);
    await limiter.reset('a');
    expect(await limiter.limit('a')).toMatchObject({ allowed: true, remaining: 1, degraded: false });
    await limiter.reset('a');
  });

  it('uses the server clock: two limiters sharing Redis see one quota', async () => {
    const prefix = uniquePrefix();
    const a = new RateLimiter({ limits: { limit: 3, periodMs: 60_000 }, redis: { client: ioredis, prefix } });
    const b = new RateLimiter({ limits: { limit: 3, periodMs: 60_000 }, redis: { client: nodeRedis, prefix } });
    expect((await a.limit('k', 2)).remaining).toBe(1);
    expect((await b.limit('k')).remaining).toBe(0);
    expect((await a.limit('k')).allowed).toBe(false);
    await a.reset('k');
  });
});
