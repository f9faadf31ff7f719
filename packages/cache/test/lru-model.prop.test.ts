import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CacheOptions, LruCache } from '../src/index.js';
import { type CacheFactory, lruModelProperty } from './_model.js';

const lru: CacheFactory = <K, V>(options: CacheOptions<K, V>) => new LruCache<K, V>(options);

/** Deliberately broken: `get` forgets to mark the entry as recently used. */
class NoRecencyOnGet<K, V> extends LruCache<K, V> {
  override get(key: K): V | undefined {
    return this.peek(key);
  }
}

/** Deliberately broken: `peek` reads through `get`, so it changes recency. */
class PeekTouches<K, V> extends LruCache<K, V> {
  override peek(key: K): V | undefined {
    return this.get(key);
  }
}

describe('LruCache against the LRU reference model (fc.commands)', () => {
  it('matches the model after every command: values, recency order, reasons, size and total-size limits', () => {
    fc.assert(lruModelProperty(lru));
  });

  it('catches a broken variant whose get does not update recency', () => {
    const broken: CacheFactory = <K, V>(options: CacheOptions<K, V>) => new NoRecencyOnGet<K, V>(options);
    expect(() => fc.assert(lruModelProperty(broken), { numRuns: 300 })).toThrow();
  });

  it('catches a broken variant whose peek changes recency', () => {
    const broken: CacheFactory = <K, V>(options: CacheOptions<K, V>) => new PeekTouches<K, V>(options);
    expect(() => fc.assert(lruModelProperty(broken), { numRuns: 300 })).toThrow();
  });
});
