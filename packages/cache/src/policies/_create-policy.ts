import { describeValue } from '@scaling/core/internal';
import type { CachePolicy } from '../types.js';
import { LruPolicy } from './_lru.js';
import type { EvictionPolicy } from './_policy.js';
import { S3FifoPolicy } from './_s3fifo.js';
import { SievePolicy } from './_sieve.js';
import { TinyLfuPolicy } from './_tinylfu.js';

/** Every {@link CachePolicy}, for messages. */
export const POLICIES: readonly CachePolicy[] = ['lru', 's3fifo', 'sieve', 'tinylfu'];

/**
 * The policy named `policy`, sized for `capacity` slots now and `max` entries at most (`Infinity` when only
 * `maxSize` limits the cache).
 * @throws {TypeError} when `policy` is not a string; {@link RangeError} when it names no policy.
 */
export function createPolicy(policy: unknown, capacity: number, max: number): EvictionPolicy {
  switch (policy) {
    case 'lru':
      return new LruPolicy(capacity);
    case 's3fifo':
      return new S3FifoPolicy(capacity, max);
    case 'sieve':
      return new SievePolicy(capacity);
    case 'tinylfu':
      return new TinyLfuPolicy(capacity, max);
    default:
      if (typeof policy !== 'string') throw new TypeError(`Expected \`policy\` to be a string, got ${describeValue(policy)}`);
      throw new RangeError(`Expected \`policy\` to be one of ${POLICIES.map((p) => `'${p}'`).join(', ')}, got ${describeValue(policy)}`);
  }
}
