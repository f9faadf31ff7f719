import { type CacheOptions, LruCache } from '../src/index.js';
import { cacheConformance } from './_conformance.js';

cacheConformance('LruCache', <K, V>(options: CacheOptions<K, V>) => new LruCache<K, V>(options));
