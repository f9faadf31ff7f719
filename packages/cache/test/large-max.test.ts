import { describe, expect, it } from 'vitest';
import { Cache, LruCache } from '../src/index.js';

describe('regression: a large `max` costs nothing until the cache fills (tester report)', () => {
  for (const policy of ['lru', 's3fifo', 'sieve', 'tinylfu'] as const) {
    it(`Cache({ max: 1e7, policy: '${policy}' }) with one entry allocates under 16 MB (the S3-FIFO ghost ring and the W-TinyLFU sketch used to be sized by max up front: 72 MB and 134 MB)`, () => {
      const before = process.memoryUsage();
      const cache = new Cache<number, number>({ max: 1e7, policy });
      cache.set(1, 1);
      const after = process.memoryUsage();
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16e6);
      expect(after.heapUsed - before.heapUsed).toBeLessThan(16e6);
      expect(cache.get(1)).toBe(1);
    });

    it(`Cache({ max: 1e12, policy: '${policy}' }) constructs like LruCache does`, () => {
      const cache = new Cache<number, number>({ max: 1e12, policy });
      cache.set(1, 1);
      expect(cache.size).toBe(1);
      expect(new LruCache<number, number>({ max: 1e12 }).set(1, 1)).toBe(true);
    });
  }
});
