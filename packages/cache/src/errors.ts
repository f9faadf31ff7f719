import { ScalingError } from '@scaling/core';

/**
 * Rejects a `getOrLoad` call that a loader makes, synchronously, for the very key it is loading (code
 * `ERR_CACHE_REENTRANT_LOAD`): that call could only wait for itself. The load itself goes on; the loader can
 * catch the rejection, or compute its value without asking the cache for it.
 *
 * (A loader that waits for its own key *after* an `await` joins its own load and never settles — as with
 * lru-cache's `fetch`; don't do that.)
 *
 * @example
 * ```ts
 * import { isScalingError } from '@scaling/core';
 * import { LruCache } from '@scaling/cache';
 *
 * const cache = new LruCache<string, number>({ max: 10 });
 * await cache.getOrLoad('k', async (key) => {
 *   const inner = await cache.getOrLoad(key, async () => 1).catch((e: unknown) => e);
 *   console.log(isScalingError(inner, 'ERR_CACHE_REENTRANT_LOAD')); // true
 *   return 2;
 * });
 * ```
 */
export class ReentrantLoadError extends ScalingError {
  /** Always `ERR_CACHE_REENTRANT_LOAD`. */
  declare readonly code: 'ERR_CACHE_REENTRANT_LOAD';
  /** The key whose loader called `getOrLoad` for itself. */
  readonly key: unknown;

  constructor(key: unknown) {
    super('ERR_CACHE_REENTRANT_LOAD', 'A loader called getOrLoad for the key it is loading; that call could only wait for itself');
    this.key = key;
  }

  override get name(): string {
    return 'ReentrantLoadError';
  }
}
