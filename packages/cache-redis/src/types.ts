import type { BoundedCache } from '@scaling/cache';
import type { Clock, Histogram } from '@scaling/core';
import type { IoredisLike } from './ioredis-transport.js';
import type { Serializer } from './serializer.js';
import type { RedisTransport } from './transport.js';

/**
 * Options of {@link createTieredCache}. Times in milliseconds. Exactly one of `redis` and `transport` is
 * required.
 */
export interface TieredCacheOptions {
  /** An ioredis client for L2 and (through `duplicate()`) the invalidation bus. Not closed by `close()`. */
  redis?: IoredisLike;
  /** Any {@link RedisTransport} instead of `redis` (e.g. `ioredisTransport(client, { heartbeatMs })`, or a test fake). */
  transport?: RedisTransport;
  /**
   * The in-process L1: any `@scaling/cache` cache, owned by the tier from now on (it stores its own entry
   * objects in it). Default `new Cache({ max: 10_000 })` (S3-FIFO).
   */
  l1?: BoundedCache<string, unknown>;
  /** Prefix of every Redis key and of the bus channel (default `'scaling:cache:'`); instances sharing it share the tier. */
  prefix?: string;
  /** Default time to live of an entry (default 60,000; `0` or `Infinity` = never expires). */
  ttl?: number;
  /** Default stale-while-revalidate window after expiry: `getOrLoad` answers stale and refreshes in the background (default 0). */
  staleWhileRevalidate?: number;
  /**
   * Default grace (fail-safe) window after expiry: when the loader fails, `getOrLoad` serves the last value
   * for at most this long and says so in its status (default 0: off).
   */
  grace?: number;
  /** Turns values into L2 strings (default {@link jsonSerializer}). */
  serializer?: Serializer;
  /** Longest wait for one Redis command before it counts as failed (default 100). */
  commandTimeout?: number;
  /** Consecutive L2 failures that open the circuit breaker (default 5). */
  breakerThreshold?: number;
  /** How long the open breaker skips L2 before one probe (default 1000). */
  breakerOpenMs?: number;
  /** Cross-instance stampede lock for every `getOrLoad` miss unless the call says otherwise (default `false`). */
  lock?: boolean;
  /** Lease of the stampede lock: a holder that dies frees it after this long (default 5000). */
  lockLeaseMs?: number;
  /**
   * How long the marker a write or delete leaves in Redis (`<prefix>m:<key>`) lives, in ms (default 60,000).
   * A load stores its result in L2 only if the key's marker is unchanged since its L2 read (no write or
   * delete of the key happened meanwhile on any instance), and only if it ended within `markerTtl` of that
   * read — a load slower than this is answered but not stored in L2. Keep it above your slowest loader.
   */
  markerTtl?: number;
  /** Longest UTF-8 length of a Redis key, prefix included (default 1024; at most 512 MiB, Redis's limit). */
  maxKeyBytes?: number;
  /** Longest serialised value in UTF-8 bytes (default and maximum 512 MiB − 1 KiB, under Redis's string limit). */
  maxValueBytes?: number;
  /** Writes kept for replay while Redis is unreachable; past this, a full flush is replayed instead (default 10,000). */
  maxPendingWrites?: number;
  /** Tag versions kept in memory; past this, L1 and the versions are dropped and re-read (default 100,000). */
  maxTags?: number;
  /**
   * Wall clock for entry times (which every instance compares) and for timers. Default: `Date.now()` with
   * `unref()`ed timers. A `ManualClock` in tests.
   */
  clock?: Clock;
}

/** Options of one write ({@link TieredCache.set}). */
export interface TierSetOptions {
  /** Time to live of this entry, overriding the tier's `ttl`. */
  ttl?: number;
  /** Stale-while-revalidate window of this entry. */
  staleWhileRevalidate?: number;
  /** Grace window of this entry. */
  grace?: number;
  /** Tags for {@link TieredCache.deleteByTag} (non-empty strings without `|`). */
  tags?: readonly string[];
}

/** Options of {@link TieredCache.getOrLoad}: those of a write, plus the lock. */
export interface TierLoadOptions extends TierSetOptions {
  /** Use the cross-instance stampede lock for this call (default: the tier's `lock`). */
  lock?: boolean;
}

/** What the loader of {@link TieredCache.getOrLoad} receives. */
export interface TierLoaderContext<V> {
  /** Aborted when the tier is closed. */
  signal: AbortSignal;
  /** The last value (stale or in grace) when there is one, else `undefined`. */
  staleValue: V | undefined;
}

/** Produces a missing value; `undefined` is returned to the callers and not cached; a rejection is not cached. */
export type TierLoader<V> = (key: string, context: TierLoaderContext<V>) => V | PromiseLike<V>;

/**
 * Where a {@link TierResult}'s value came from:
 * - `'l1'`: this instance's memory; `'l2'`: Redis; `'load'`: the loader (and it was stored);
 * - `'stale'`: an expired value within stale-while-revalidate, a refresh runs in the background;
 * - `'fail-safe'`: the loader failed and an expired value within its grace window was served (`error` says why).
 */
export type TierStatus = 'l1' | 'l2' | 'load' | 'stale' | 'fail-safe';

/** The answer of {@link TieredCache.getOrLoadWithStatus}. */
export interface TierResult<V> {
  /** The value returned to the caller (from L1, L2, the loader, or a stale/grace copy). */
  value: V;
  /** Where `value` came from (see {@link TierStatus}). */
  status: TierStatus;
  /** With `'fail-safe'`: the loader's error. */
  error?: unknown;
}

/**
 * What happened to a write's L2 part: `'written'` (Redis has it and the invalidation was published), or
 * `'queued'` (Redis did not answer: the write took effect in this instance's L1, and its invalidation is
 * replayed when Redis answers again — see the README's guarantees).
 */
export type WriteStatus = 'written' | 'queued';

/**
 * A snapshot from {@link TieredCache.stats} (the `stats()` convention of `docs/monitoring/conventions.md`): counters
 * since construction, gauges (`busConnected`, `pendingWrites`, `l1Size`), the `breakerState` state and the Redis
 * round-trip histogram. Every read is answered once:
 * `lookups === l1Hits + l2Hits + staleServes + misses + joined` (a `fail-safe` answer is a miss whose load failed).
 */
export interface TierStats {
  /** Reads: `get`, `getOrLoad` and `getOrLoadWithStatus` calls that were not refused (bad key, closed tier). */
  lookups: number;
  /** Reads answered from L1. */
  l1Hits: number;
  /** Reads answered from L2 (L1 missed). */
  l2Hits: number;
  /** Reads that found nothing usable in either level. */
  misses: number;
  /** `getOrLoad` reads that joined a load of the same key already in flight in this instance (single flight). */
  joined: number;
  /** Loader calls (one per single-flight group). */
  loads: number;
  /** Loader calls that threw or rejected. */
  loadErrors: number;
  /** `getOrLoad` answers served stale (stale-while-revalidate). */
  staleServes: number;
  /** `getOrLoad` answers served from the grace window after a loader failure. */
  failSafeServes: number;
  /** Invalidation messages published (writes, deletes, tag and full invalidations). */
  invalidationsSent: number;
  /** Invalidation messages received from other instances. */
  invalidationsReceived: number;
  /** Times the bus subscription came back after being lost (L1 was flushed each time). */
  busReconnects: number;
  /** Whether the bus subscription is active now. */
  busConnected: boolean;
  /** Redis commands sent (each one round trip). */
  l2Commands: number;
  /** Redis commands that failed, timed out, or were skipped by the open breaker. */
  l2Errors: number;
  /** Circuit breaker state now. */
  breakerState: 'closed' | 'open' | 'half-open';
  /** Writes whose invalidation waits for Redis (see `WriteStatus` `'queued'`). */
  pendingWrites: number;
  /** Stampede locks acquired / loads that waited for another instance's lock. */
  lockAcquired: number;
  /** Loads that waited for another instance's stampede lock instead of running the loader. */
  lockWaits: number;
  /**
   * Loads whose result was answered but not stored, because the key was written, deleted or invalidated
   * while they ran: seen by this instance (a write here, an invalidation heard on the bus, a tag or `clear()`
   * bump known here when the load ended), or by Redis (the key's marker changed since the load read L2; also
   * counted when the load outlasted `markerTtl`). A tag bump heard only after the load ended is not counted:
   * the entry then written carries the old version and is never served.
   */
  staleFillsDropped: number;
  /** Entries in the L1 cache now (a gauge; the L1 cache's own `stats()` has its counters). */
  l1Size: number;
  /** Redis command round trips in ms, failed and timed-out ones included (a `Histogram` copy). */
  requestDuration: Histogram;
}

/** Events of a {@link TieredCache} (also on `node:diagnostics_channel` as `scaling:cache-redis:<event>`). */
export interface TierEvents {
  [event: string]: object;
  /** An invalidation from another instance was applied (`key` for a key, `tag` for a tag; `tag: ''` = everything). */
  invalidation: {
    /** The invalidated cache key (key invalidations only). */
    key?: string;
    /** The invalidated tag (tag invalidations only; `''` = everything). */
    tag?: string;
    /** Random id of the publishing `TieredCache` instance (pid, counter and random part). */
    origin: string;
  };
  /** The bus subscription was lost (`connected: false`) or is back (`true`, L1 flushed). */
  bus: {
    /** `true` when the subscription is back (L1 was flushed), `false` when it was lost. */
    connected: boolean;
  };
  /** The L2 circuit breaker changed state. */
  breaker: {
    /** The L2 circuit breaker's new state. */
    state: 'closed' | 'open' | 'half-open';
  };
  /** A Redis command failed, timed out, or was skipped by the open breaker. */
  'l2-error': {
    /** The L2 operation that failed (e.g. `'get'`, `'set'`, `'del'`, `'incr'`, `'subscribe'`). */
    operation: string;
    /** The cache key involved, when the operation had one. */
    key?: string;
    /** The error thrown by Redis, the timeout, or the open breaker. */
    error: unknown;
  };
  /** A grace value was served because the loader failed. */
  'fail-safe': {
    /** The cache key whose grace value was served. */
    key: string;
    /** The loader's error. */
    error: unknown;
  };
  /** A write could not reach Redis; its invalidation is queued for replay. */
  'write-queued': {
    /** The written or deleted cache key, for a key write. */
    key?: string;
    /** The invalidated tag, for a tag invalidation. */
    tag?: string;
  };
  /** Queued invalidations were replayed to Redis (`count`; `flushed` when an overflow replayed a full flush). */
  replayed: {
    /** How many queued invalidations were replayed. */
    count: number;
    /** `true` when the queue had overflowed and a full flush was replayed instead. */
    flushed: boolean;
  };
}
