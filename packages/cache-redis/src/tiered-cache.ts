import { Cache } from '@scaling/cache';
import { wallClock } from '@scaling/core';
import {
  assertBoolean,
  assertClock,
  assertFunction,
  assertInRange,
  assertNonNegativeFinite,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
  Emitter,
} from '@scaling/core/internal';
import { type Entry, TierCore } from './_tier-core.js';
import {
  checkKey,
  checkSetOptions,
  checkTag,
  checkTime,
  HINTS,
  LOAD_OPTIONS,
  OPTIONS,
  REDIS_MAX,
  SET_OPTIONS,
  withNamespace,
} from './_tiered-cache-input.js';
import { ioredisTransport } from './ioredis-transport.js';
import { jsonSerializer } from './serializer.js';
import type {
  TierEvents,
  TieredCacheOptions,
  TierLoader,
  TierLoadOptions,
  TierResult,
  TierSetOptions,
  TierStats,
  WriteStatus,
} from './types.js';

const EVENTS = ['invalidation', 'bus', 'breaker', 'l2-error', 'fail-safe', 'write-queued', 'replayed'] as const;
/**
 * A two-level cache: an in-process `@scaling/cache` L1 in front of Redis (L2), shared by every instance that
 * uses the same Redis and `prefix`. Reads try L1, then L2, then the loader; writes go to both and publish a
 * key-only invalidation that the other instances apply to their L1. Built by {@link createTieredCache};
 * {@link TieredCache.namespace} gives views that share everything but a key prefix.
 *
 * Guarantees and limits are in the package README ("What is guaranteed").
 */
export class TieredCache<V = unknown> {
  readonly #core: TierCore;
  readonly #prefix: string;
  readonly #nsTags: readonly string[] | undefined;

  /** @internal Use {@link createTieredCache}. */
  constructor(core: TierCore, prefix: string, nsTags: readonly string[] | undefined) {
    this.#core = core;
    this.#prefix = prefix;
    this.#nsTags = nsTags;
  }

  /** The id of this instance on the bus (messages with it are ignored here). */
  get instanceId(): string {
    return this.#core.origin;
  }

  /**
   * Resolves once the invalidation bus's first subscription attempt is over: subscribed (`stats().busConnected`
   * is `true`; L1 serves from then on), or failed (reported on `l2-error` with `operation: 'subscribe'`; `ioredisTransport`
   * keeps retrying and the `bus` event reports the connection). Never rejects and never waits for
   * Redis to come back: until the bus is up, reads go to Redis, or to L1 in local mode once the breaker opens.
   */
  ready(): Promise<void> {
    return this.#core.ready();
  }

  /**
   * The fresh value of `key` (L1, else L2; an L2 answer fills L1), or `undefined`. Never returns expired,
   * stale or grace values; a Redis failure counts as a miss (reported on `l2-error`).
   * @throws {TypeError} when `key` is not a string; {@link KeyTooLongError} for a key over `maxKeyBytes`;
   *   {@link TierClosedError} after `close()` (as rejections).
   */
  get(key: string): Promise<V | undefined> {
    const core = this.#core;
    if (typeof key !== 'string') return Promise.reject(new TypeError(`Expected \`key\` to be a string, got ${describeValue(key)}`));
    const k = this.#prefix === '' ? key : this.#prefix + key;
    if (core.l1Active) {
      const e = core.l1.get(k) as Entry | undefined;
      if (e !== undefined && e.expiresAt > core.s.clock.now() && core.tags.valid(e)) {
        core.stats.lookups++;
        core.stats.l1Hits++;
        return Promise.resolve(e.value as V);
      }
    }
    try {
      return core.getSlow(k) as Promise<V | undefined>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The value of `key`, or the result of `loader` (one call per key per instance at a time; with the lock, one
   * per key across instances). Expired values within `staleWhileRevalidate` are answered at once while a
   * refresh runs; when the loader fails, a value within its `grace` window is answered instead.
   * Use {@link TieredCache.getOrLoadWithStatus} to learn where the value came from.
   *
   * @throws the loader's error when no grace value exists; {@link SerializationError} when the loaded value
   *   cannot be stored (nothing is written); the errors of {@link TieredCache.get}.
   * @example
   * ```ts
   * const user = await tier.getOrLoad(`user:${id}`, () => db.users.find(id), { ttl: 60_000, tags: [`team:${teamId}`] });
   * ```
   */
  async getOrLoad(key: string, loader: TierLoader<V>, options?: TierLoadOptions): Promise<V> {
    const core = this.#core;
    checkKey(key);
    const k = this.#prefix === '' ? key : this.#prefix + key;
    if (core.l1Active && options === undefined) {
      const e = core.l1.get(k) as Entry | undefined;
      if (e !== undefined && e.expiresAt > core.s.clock.now() && core.tags.valid(e)) {
        core.stats.lookups++;
        core.stats.l1Hits++;
        return e.value as V;
      }
    }
    return (await this.getOrLoadWithStatus(key, loader, options)).value;
  }

  /** {@link TieredCache.getOrLoad} with the answer's origin: `{ value, status, error? }` (see {@link TierStatus}). */
  getOrLoadWithStatus(key: string, loader: TierLoader<V>, options?: TierLoadOptions): Promise<TierResult<V>> {
    try {
      checkKey(key);
      assertFunction('loader', loader);
      checkSetOptions('getOrLoad options', options, LOAD_OPTIONS);
      const k = this.#prefix === '' ? key : this.#prefix + key;
      return this.#core.resolve(k, loader, options, withNamespace(this.#nsTags, options?.tags));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stores `value` in L1 and L2 and tells the other instances to drop their copy. `undefined` deletes.
   * Resolves `'written'`, or `'queued'` when Redis did not answer (see {@link WriteStatus}).
   * @throws {SerializationError} (nothing written) when the serializer refuses the value;
   *   {@link ValueTooLargeError}; the key errors of {@link TieredCache.get}.
   */
  set(key: string, value: V, options?: TierSetOptions): Promise<WriteStatus> {
    try {
      checkKey(key);
      checkSetOptions('set options', options, SET_OPTIONS);
      const k = this.#prefix === '' ? key : this.#prefix + key;
      return this.#core.set(k, value, options, withNamespace(this.#nsTags, options?.tags));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Removes `key` from L1 and L2 on every instance. Resolves `'written'` or `'queued'`. */
  delete(key: string): Promise<WriteStatus> {
    try {
      checkKey(key);
      return this.#core.delete(this.#prefix === '' ? key : this.#prefix + key);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Invalidates every entry carrying `tag`, on every instance, without scanning Redis: the tag's version is
   * incremented (one `INCR` + `PUBLISH`), and entries written under an older version are never served again.
   * Resolves `'written'` or `'queued'`.
   */
  deleteByTag(tag: string): Promise<WriteStatus> {
    try {
      checkTag(tag);
      return this.#core.deleteByTag(tag);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Invalidates everything this view holds on every instance: the namespace's tag for a namespace, the
   * global generation for the root tier. No key is scanned.
   */
  clear(): Promise<WriteStatus> {
    if (this.#nsTags !== undefined) return this.#core.deleteByTag(this.#nsTags[this.#nsTags.length - 1] as string);
    return this.#core.clear();
  }

  /**
   * A view whose keys are prefixed with `name:` and which carries the namespace's tag, so that its `clear()`
   * invalidates only its own entries. Shares L1, Redis, the bus and stats with this tier.
   * @throws {RangeError} when `name` is empty or contains `|`.
   */
  namespace<W = V>(name: string): TieredCache<W> {
    checkTag(name);
    const prefix = `${this.#prefix}${name}:`;
    return new TieredCache<W>(this.#core, prefix, [...(this.#nsTags ?? []), `\u0001ns:${prefix}`]);
  }

  /**
   * A snapshot (a fresh object; reading it changes nothing) of the counters per level, the gauges, the breaker state
   * and the Redis round-trip histogram — shared by a tier and its namespaces. See {@link TierStats} and the README table.
   */
  stats(): TierStats {
    const core = this.#core;
    return {
      ...core.stats,
      busConnected: core.busUp,
      breakerState: core.breakerState,
      pendingWrites: core.pendingWrites,
      l1Size: core.l1.size,
      requestDuration: core.requestDuration.clone(),
    };
  }

  /** Subscribes to an event (see {@link TierEvents}); returns the unsubscribe function. */
  on<K extends keyof TierEvents & string>(event: K, listener: (payload: TierEvents[K]) => void): () => void {
    return this.#core.emitter.on(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof TierEvents & string>(event: K, listener: (payload: TierEvents[K]) => void): void {
    this.#core.emitter.off(event, listener);
  }

  /**
   * Stops the bus and timers and empties L1; operations afterwards reject with {@link TierClosedError}. The
   * Redis client passed in is not closed. Idempotent.
   */
  close(): Promise<void> {
    return this.#core.close();
  }
}

/**
 * Creates a two-level cache: `@scaling/cache` in process (L1, S3-FIFO by default) in front of Redis (L2),
 * with cross-instance invalidation over Redis pub/sub, recovery of missed invalidations (L1 flushed when the
 * bus comes back), grace/fail-safe, tags by version (no scans), an optional stampede lock across instances,
 * command timeouts and a circuit breaker around L2. Loads store their result in L2 under a lease (the key's
 * write marker, read with the value): a load that raced a write or delete of its key on any instance is
 * answered but not stored (Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013, §3.2.1; `markerTtl`).
 * Terms after bentocache and FusionCache.
 *
 * @throws {TypeError} for a missing `redis`/`transport`, an unknown option or a wrong type;
 *   {@link RangeError} for a value out of range — each naming the option.
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { createTieredCache } from '@scaling/cache-redis';
 *
 * const tier = createTieredCache<{ name: string }>({ redis: new Redis({ maxRetriesPerRequest: 1 }), ttl: 60_000, grace: 600_000 });
 * const user = await tier.getOrLoad('user:1', async () => ({ name: 'Ada' }));
 * await tier.set('user:1', { name: 'Ada L.' }); // every instance drops its L1 copy
 * ```
 */
export function createTieredCache<V = unknown>(options: TieredCacheOptions): TieredCache<V> {
  assertOptions('createTieredCache', options, OPTIONS, HINTS);
  const o = options;
  if ((o.redis === undefined) === (o.transport === undefined)) {
    throw new TypeError(
      `Expected exactly one of \`redis\` (an ioredis client) and \`transport\`, got ${o.redis === undefined ? 'neither' : 'both'}`,
    );
  }
  const transport = o.transport ?? ioredisTransport(o.redis as never);
  if (o.transport !== undefined) {
    for (const m of ['get', 'mget', 'set', 'del', 'setIfMarker', 'incr', 'setNx', 'delIfEquals', 'subscribe', 'close'] as const) {
      if (typeof (o.transport as unknown as Record<string, unknown>)[m] !== 'function') {
        throw new TypeError(`Expected \`transport\` to be a RedisTransport with a \`${m}()\` method, got ${describeValue(o.transport)}`);
      }
    }
  }
  const clock = o.clock ?? wallClock;
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  const l1 = o.l1 ?? new Cache<string, unknown>({ max: 10_000, clock });
  if (
    typeof l1 !== 'object' ||
    l1 === null ||
    typeof l1.get !== 'function' ||
    typeof l1.set !== 'function' ||
    typeof l1.clear !== 'function'
  ) {
    throw new TypeError(`Expected \`l1\` to be a @scaling/cache cache, got ${describeValue(l1)}`);
  }
  const prefix = o.prefix ?? 'scaling:cache:';
  if (typeof prefix !== 'string') throw new TypeError(`Expected \`prefix\` to be a string, got ${describeValue(prefix)}`);
  const ttl = o.ttl ?? 60_000;
  checkTime('ttl', ttl);
  const swr = o.staleWhileRevalidate ?? 0;
  assertNonNegativeFinite('staleWhileRevalidate', swr);
  const grace = o.grace ?? 0;
  assertNonNegativeFinite('grace', grace);
  const serializer = o.serializer ?? jsonSerializer;
  if (
    typeof serializer !== 'object' ||
    serializer === null ||
    typeof serializer.serialize !== 'function' ||
    typeof serializer.deserialize !== 'function'
  ) {
    throw new TypeError(
      `Expected \`serializer\` to be an object with \`serialize\` and \`deserialize\` functions, got ${describeValue(serializer)}`,
    );
  }
  const commandTimeout = o.commandTimeout ?? 100;
  assertPositiveFinite('commandTimeout', commandTimeout);
  const breakerThreshold = o.breakerThreshold ?? 5;
  assertPositiveInteger('breakerThreshold', breakerThreshold);
  const breakerOpenMs = o.breakerOpenMs ?? 1000;
  assertNonNegativeFinite('breakerOpenMs', breakerOpenMs);
  const lock = o.lock ?? false;
  assertBoolean('lock', lock);
  const lockLeaseMs = o.lockLeaseMs ?? 5000;
  assertPositiveFinite('lockLeaseMs', lockLeaseMs);
  const markerTtl = o.markerTtl ?? 60_000;
  assertPositiveFinite('markerTtl', markerTtl);
  const maxKeyBytes = o.maxKeyBytes ?? 1024;
  assertPositiveInteger('maxKeyBytes', maxKeyBytes);
  assertInRange('maxKeyBytes', maxKeyBytes, 1, REDIS_MAX);
  const maxValueBytes = o.maxValueBytes ?? REDIS_MAX - 1024;
  assertPositiveInteger('maxValueBytes', maxValueBytes);
  assertInRange('maxValueBytes', maxValueBytes, 1, REDIS_MAX - 1024);
  const maxPendingWrites = o.maxPendingWrites ?? 10_000;
  assertPositiveInteger('maxPendingWrites', maxPendingWrites);
  const maxTags = o.maxTags ?? 100_000;
  assertPositiveInteger('maxTags', maxTags);
  const emitter = new Emitter<TierEvents>('cache-redis', EVENTS);
  const core = new TierCore(
    {
      transport,
      l1,
      prefix,
      ttl,
      swr,
      grace,
      serializer,
      commandTimeout,
      breakerThreshold,
      breakerOpenMs,
      lock,
      lockLeaseMs,
      markerTtl: Math.ceil(markerTtl),
      maxKeyBytes,
      maxValueBytes,
      maxPendingWrites,
      maxTags,
      clock,
    },
    emitter,
  );
  return new TieredCache<V>(core, '', undefined);
}
