import { Cache, type CacheOptions, type CachePolicy } from '../src/index.js';
import { cacheConformance } from './_conformance.js';

const policies: CachePolicy[] = ['lru', 's3fifo', 'sieve', 'tinylfu'];

for (const policy of policies) {
  cacheConformance(`Cache (${policy})`, <K, V>(options: CacheOptions<K, V>) => new Cache<K, V>({ ...options, policy }));
}
