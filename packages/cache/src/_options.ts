import { type Clock, systemClock } from '@scaling/core';
import {
  assertBoolean,
  assertClock,
  assertFunction,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  assertSignal,
  describeValue,
} from '@scaling/core/internal';
import type { CacheOptions, EvictionListener, GetOrLoadOptions, SetOptions } from './types.js';

/** Options after validation, with defaults filled in (no TTL = `Infinity`). */
export interface ResolvedOptions<K, V> {
  max: number;
  maxSize: number;
  sizeOf: ((value: V, key: K) => number) | undefined;
  ttl: number;
  updateAgeOnGet: boolean;
  staleWhileRevalidate: number;
  autoPurge: boolean;
  ttlResolution: number;
  onEvict: EvictionListener<K, V> | undefined;
  ignoreLoadAbort: boolean;
  clock: Clock;
}

/** The keys of {@link CacheOptions}. */
export const CACHE_OPTION_KEYS: readonly string[] = [
  'max',
  'maxSize',
  'sizeOf',
  'ttl',
  'updateAgeOnGet',
  'staleWhileRevalidate',
  'autoPurge',
  'ttlResolution',
  'onEvict',
  'ignoreLoadAbort',
  'clock',
];

const MAX = 'use `max` (entries)';
const TTL_MS = 'use `ttl` (milliseconds)';
const ON_EVICT = 'use `onEvict(key, value, reason)`: key first, called after the entry is removed';
const SWR =
  'use `staleWhileRevalidate` (ms): `getOrLoad` answers an expired value within it while a refresh runs; `get` never returns expired values';
const REFRESH_FAILS = 'a failed refresh within `staleWhileRevalidate` keeps the stale value; a failed load is not stored';

/**
 * Option names users bring from lru-cache (v6–v11), quick-lru, tiny-lru, mnemonist, lru.min and node-cache,
 * with our equivalent.
 */
export const CACHE_OPTION_HINTS: Readonly<Record<string, string>> = {
  maxAge: TTL_MS,
  stdTTL: 'use `ttl` in milliseconds (node-cache counts seconds)',
  checkperiod: 'use `autoPurge: true` (one timer, armed for the earliest expiry)',
  ttlAutopurge: 'use `autoPurge`',
  noUpdateTTL: 'every `set` restarts the TTL; a `set` of the same value keeps the entry',
  updateAgeOnHas: '`has` never changes an entry; only `get` restarts the TTL, with `updateAgeOnGet`',
  resetTtl: 'use `updateAgeOnGet`',
  stale: SWR,
  allowStale: SWR,
  noDeleteOnStaleGet: SWR,
  allowStaleOnFetchRejection: REFRESH_FAILS,
  allowStaleOnFetchAbort: REFRESH_FAILS,
  noDeleteOnFetchRejection: REFRESH_FAILS,
  ignoreFetchAbort: 'use `ignoreLoadAbort`',
  fetchMethod: 'pass the loader to `getOrLoad(key, loader)`',
  memoMethod: 'pass the loader to `getOrLoad(key, loader)`',
  dispose: ON_EVICT,
  disposeAfter: ON_EVICT,
  onEviction: ON_EVICT,
  noDisposeOnSet: '`onEvict` reports a replaced value with reason `set`: ignore that reason in the listener',
  maxEntrySize: 'an entry larger than `maxSize` is never stored (`set` returns false); there is no separate per-entry limit',
  sizeCalculation: 'use `sizeOf(value, key)`',
  length: 'use `sizeOf(value, key)` with `maxSize`',
  maxSizeBytes: 'use `maxSize` with `sizeOf(value, key)` returning bytes',
  capacity: MAX,
  maxEntries: MAX,
  maxItems: MAX,
  limit: MAX,
  perf: 'use `clock` (a Clock from @scaling/core)',
  useClones: 'values are stored by reference',
  evictionPolicy: 'use `policy` on `Cache`',
  status: 'use `getOrLoadWithStatus()`, which resolves with `{ value, status }`',
};

/** Hints for the per-call options of `set` (lru-cache's `set` options). */
const SET_HINTS: Readonly<Record<string, string>> = {
  maxAge: TTL_MS,
  size: 'sizes come from the `sizeOf` option',
  sizeCalculation: 'sizes come from the `sizeOf` option',
  start: 'the TTL starts when `set` is called',
  noUpdateTTL: 'every `set` restarts the TTL',
  noDisposeOnSet: CACHE_OPTION_HINTS.noDisposeOnSet as string,
  status: 'not available on `set`',
};

/** Hints for the per-call options of `getOrLoad` (lru-cache's `fetch` options). */
const LOAD_HINTS: Readonly<Record<string, string>> = {
  maxAge: TTL_MS,
  status: 'use `getOrLoadWithStatus()`, which resolves with `{ value, status }`',
  forceRefresh: 'call `delete(key)` first to force a load',
  context: 'the loader is a closure: capture what it needs',
  allowStale: SWR,
  ignoreFetchAbort: 'use the cache option `ignoreLoadAbort`',
  allowStaleOnFetchAbort: REFRESH_FAILS,
  allowStaleOnFetchRejection: REFRESH_FAILS,
  size: 'sizes come from the `sizeOf` option',
  sizeCalculation: 'sizes come from the `sizeOf` option',
};

const SET_KEYS: readonly string[] = ['ttl'];
const LOAD_KEYS: readonly string[] = ['signal', 'ttl'];

/**
 * A TTL in ms: a number ≥ 0 (`Infinity` allowed). Returns it with "never" as `Infinity`.
 * @throws {TypeError} when not a number; {@link RangeError} when negative or NaN.
 */
export function checkTtl(name: string, value: unknown): number {
  if (typeof value !== 'number')
    throw new TypeError(`Expected \`${name}\` to be a number of milliseconds ≥ 0, got ${describeValue(value)}`);
  if (!(value >= 0)) throw new RangeError(`Expected \`${name}\` to be a number of milliseconds ≥ 0, got ${describeValue(value)}`);
  return value === 0 ? Number.POSITIVE_INFINITY : value;
}

function optionalBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  assertBoolean(name, value);
  return value;
}

/**
 * Validates the options of a cache constructor (`where`: the class name); every error names the option and
 * the value received, and an unknown key — e.g. lru-cache's `maxAge` — is a TypeError with a hint.
 */
export function resolveOptions<K, V>(where: string, options: CacheOptions<K, V>, known: readonly string[]): ResolvedOptions<K, V> {
  assertOptions(where, options, known, CACHE_OPTION_HINTS);
  const { max, maxSize, sizeOf, ttl, staleWhileRevalidate, ttlResolution, onEvict, clock } = options;
  if (max !== undefined || maxSize === undefined) assertPositiveInteger('max', max);
  if (maxSize !== undefined) {
    assertPositiveFinite('maxSize', maxSize);
    if (sizeOf === undefined)
      throw new TypeError(
        "Expected `sizeOf` to be a function when `maxSize` is given, got undefined (quick-lru's `maxSize` counts entries: that is our `max`)",
      );
  }
  if (sizeOf !== undefined) {
    assertFunction('sizeOf', sizeOf);
    if (maxSize === undefined) throw new TypeError('Expected `maxSize` to be a positive number when `sizeOf` is given, got undefined');
  }
  if (onEvict !== undefined) assertFunction('onEvict', onEvict);
  // The TTL side reads the clock and arms (and disarms) its reuse and purge timers.
  if (clock !== undefined) assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  // With autoPurge the purge timer is the cache's only timer: readings are not reused unless asked for.
  let resolution = options.autoPurge === true ? 0 : 1;
  if (ttlResolution !== undefined) {
    if (typeof ttlResolution !== 'number')
      throw new TypeError(`Expected \`ttlResolution\` to be a number ≥ 0, got ${describeValue(ttlResolution)}`);
    if (!(ttlResolution >= 0 && ttlResolution < Number.POSITIVE_INFINITY)) {
      throw new RangeError(`Expected \`ttlResolution\` to be a finite number ≥ 0, got ${describeValue(ttlResolution)}`);
    }
    resolution = ttlResolution;
  }
  const swr = staleWhileRevalidate === undefined ? 0 : checkTtl('staleWhileRevalidate', staleWhileRevalidate);
  return {
    max: max ?? Number.POSITIVE_INFINITY,
    maxSize: maxSize ?? Number.POSITIVE_INFINITY,
    sizeOf,
    ttl: ttl === undefined ? Number.POSITIVE_INFINITY : checkTtl('ttl', ttl),
    updateAgeOnGet: optionalBoolean('updateAgeOnGet', options.updateAgeOnGet),
    staleWhileRevalidate: swr === Number.POSITIVE_INFINITY && staleWhileRevalidate === 0 ? 0 : swr,
    autoPurge: optionalBoolean('autoPurge', options.autoPurge),
    ttlResolution: resolution,
    onEvict,
    ignoreLoadAbort: optionalBoolean('ignoreLoadAbort', options.ignoreLoadAbort),
    clock: clock ?? systemClock,
  };
}

/**
 * The TTL of a `set` call's options (`undefined` = the cache's default).
 * @throws {TypeError} for a non-object or an unknown key (with a hint); {@link RangeError} for a bad `ttl`.
 */
export function setOptionsTtl(options: SetOptions): number | undefined {
  assertOptions('set()', options, SET_KEYS, SET_HINTS);
  return options.ttl === undefined ? undefined : checkTtl('ttl', options.ttl);
}

/**
 * Checks the options of a `getOrLoad` call; returns its `ttl` (as given: `0` = never expires).
 * @throws {TypeError} for a non-object, an unknown key (with a hint) or a bad `signal`; {@link RangeError} for a bad `ttl`.
 */
export function loadOptionsTtl(options: GetOrLoadOptions): number | undefined {
  assertOptions('getOrLoad()', options, LOAD_KEYS, LOAD_HINTS);
  if (options.signal !== undefined) assertSignal('signal', options.signal);
  if (options.ttl !== undefined) checkTtl('ttl', options.ttl);
  return options.ttl;
}

/**
 * The size reported by `sizeOf`, checked.
 * @throws {TypeError}/{@link RangeError} unless a finite number ≥ 0.
 */
export function checkSize(value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`Expected \`sizeOf\` to return a number ≥ 0, got ${describeValue(value)}`);
  if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) {
    throw new RangeError(`Expected \`sizeOf\` to return a finite number ≥ 0, got ${describeValue(value)}`);
  }
  return value;
}
