import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cache, type CacheOptions, type CachePolicy } from '../src/index.js';
import { type CacheFactory, lruModelProperty } from './_model.js';

const cacheWith =
  (policy: CachePolicy): CacheFactory =>
  <K, V>(options: CacheOptions<K, V>) =>
    new Cache<K, V>({ ...options, policy });

describe('Cache against the reference model (fc.commands)', () => {
  it("policy 'lru' matches the exact LRU model: victims, recency order, reasons, limits", () => {
    fc.assert(lruModelProperty(cacheWith('lru'), 'exact'));
  });

  it.each<CachePolicy>(['lru', 's3fifo', 'sieve', 'tinylfu'])(
    "policy '%s' passes the model that accepts its reported victims (limits, reasons, nothing lost, minimal eviction)",
    (policy) => {
      fc.assert(lruModelProperty(cacheWith(policy), 'victims'));
    },
  );

  it('catches a broken variant that lets the cache hold one entry more than max', () => {
    const broken: CacheFactory = <K, V>(options: CacheOptions<K, V>) =>
      new Cache<K, V>({ ...options, ...(options.max === undefined ? {} : { max: options.max + 1 }), policy: 's3fifo' });
    expect(() => fc.assert(lruModelProperty(broken, 'victims'), { numRuns: 300 })).toThrow();
  });

  it('catches a broken variant that loses entries without reporting them', () => {
    const broken: CacheFactory = <K, V>(options: CacheOptions<K, V>) => {
      const onEvict = options.onEvict;
      return new Cache<K, V>({
        ...options,
        policy: 'sieve',
        ...(onEvict === undefined ? {} : { onEvict: (k: K, v: V, r) => (r === 'evict' ? undefined : onEvict(k, v, r)) }),
      });
    };
    expect(() => fc.assert(lruModelProperty(broken, 'victims'), { numRuns: 300 })).toThrow();
  });

  it('catches a non-LRU policy run against the exact LRU model', () => {
    expect(() => fc.assert(lruModelProperty(cacheWith('sieve'), 'exact'), { numRuns: 300 })).toThrow();
  });
});
