// Checking an engine's options and filling in their defaults (the engine and every entry point share it).
import { type Clock, systemClock } from '@scaling/core';
import { assertBoolean, assertClock, assertInRange, assertNonNegativeFinite, assertOptions } from '@scaling/core/internal';
import { ENGINE_OPTION_KEYS, type HttpCacheOptions } from './engine-options.js';
import { HttpCacheStore } from './http-cache-store.js';

/** {@link HttpCacheOptions} checked, with their defaults filled in and header names lower-cased. */
export interface EngineConfig {
  clock: Clock;
  store: HttpCacheStore;
  targeted: readonly string[];
  surrogateHeader: string;
  statusHeader: string | undefined;
  staleRetentionMs: number;
  coalesce: boolean;
  hitForPassMs: number;
  shared: boolean;
  heuristicFraction: number;
}

/**
 * Checks an engine's options (`name` is the class named in errors; `extraKeys` the options an entry point
 * adds) and fills in the defaults; builds the store when none is given.
 * @throws {TypeError} on unknown or mistyped options. @throws {RangeError} on out-of-range numbers.
 */
export function resolveEngineOptions(options: HttpCacheOptions, name: string, extraKeys: readonly string[]): EngineConfig {
  assertOptions(name, options, [...ENGINE_OPTION_KEYS, ...extraKeys], {
    ttl: 'freshness comes from the origin’s `Cache-Control`',
    max: 'use `maxSizeBytes` (bytes)',
  });
  const clock = options.clock ?? systemClock;
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  const store =
    options.store ??
    new HttpCacheStore({
      ...(options.maxSizeBytes !== undefined ? { maxSizeBytes: options.maxSizeBytes } : {}),
      ...(options.maxEntrySizeBytes !== undefined ? { maxEntrySizeBytes: options.maxEntrySizeBytes } : {}),
      clock,
    });
  if (!(store instanceof HttpCacheStore)) throw new TypeError('Expected `store` to be an HttpCacheStore');
  const targeted = options.targetedCacheControl ?? ['cdn-cache-control'];
  if (!Array.isArray(targeted)) throw new TypeError('Expected `targetedCacheControl` to be an array of field names');
  const statusHeader = options.cacheStatusHeader ?? 'x-cache';
  const staleRetentionMs = options.staleRetentionMs ?? 300_000;
  assertNonNegativeFinite('staleRetentionMs', staleRetentionMs);
  const coalesce = options.coalesce ?? true;
  assertBoolean('coalesce', coalesce);
  const hitForPassMs = options.hitForPassMs ?? 10_000;
  assertNonNegativeFinite('hitForPassMs', hitForPassMs);
  const shared = options.shared ?? true;
  assertBoolean('shared', shared);
  const heuristicFraction = options.heuristicFraction ?? 0.1;
  assertInRange('heuristicFraction', heuristicFraction, 0, 1);
  return {
    clock,
    store,
    targeted: targeted.map((s) => String(s).toLowerCase()),
    surrogateHeader: (options.surrogateKeyHeader ?? 'surrogate-key').toLowerCase(),
    statusHeader: statusHeader === false ? undefined : statusHeader.toLowerCase(),
    staleRetentionMs,
    coalesce,
    hitForPassMs,
    shared,
    heuristicFraction,
  };
}
