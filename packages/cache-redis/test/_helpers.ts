import { Cache } from '@scaling/cache';
import { ManualClock } from '@scaling/core';
import { createTieredCache, type TieredCache, type TieredCacheOptions } from '../src/index.js';
import { MemoryRedis, type MemoryTransport } from './_memory-redis.js';

export interface Instance<V> {
  tier: TieredCache<V>;
  transport: MemoryTransport;
  l1: Cache<string, unknown>;
}

/** A fleet of tiers sharing one in-memory Redis and one ManualClock. */
export function fleet<V = unknown>(n: number, options: Partial<TieredCacheOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const redis = new MemoryRedis(clock);
  const instances: Instance<V>[] = [];
  for (let i = 0; i < n; i++) {
    const transport = redis.transport();
    const l1 = new Cache<string, unknown>({ max: 1000, clock, ttlResolution: 0 });
    instances.push({ tier: createTieredCache<V>({ transport, l1, clock, prefix: 't:', ...options }), transport, l1 });
  }
  return {
    clock,
    redis,
    instances,
    ready: () => Promise.all(instances.map((i) => i.tier.ready())),
    close: () => Promise.all(instances.map((i) => i.tier.close())),
  };
}

export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
