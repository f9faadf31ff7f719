import { assertBoolean, assertNonNegativeFinite, assertOptions, describeValue } from '@scaling/core/internal';
import type { TieredCacheOptions, TierLoadOptions, TierSetOptions } from './types.js';

/** The option keys of {@link TieredCacheOptions}. */
export const OPTIONS = [
  'redis',
  'transport',
  'l1',
  'prefix',
  'ttl',
  'staleWhileRevalidate',
  'grace',
  'serializer',
  'commandTimeout',
  'breakerThreshold',
  'breakerOpenMs',
  'lock',
  'lockLeaseMs',
  'markerTtl',
  'maxKeyBytes',
  'maxValueBytes',
  'maxPendingWrites',
  'maxTags',
  'clock',
];
/** Hints for option names from other two-level caches. */
export const HINTS = {
  maxAge: 'use `ttl` (milliseconds)',
  gracePeriod: 'use `grace` (milliseconds)',
  graceMs: 'use `grace` (milliseconds)',
  failSafe: 'use `grace` (milliseconds)',
  timeout: 'use `commandTimeout` (milliseconds)',
  store: 'use `redis` (an ioredis client) or `transport`',
  stores: 'use `redis` (an ioredis client) or `transport`',
  namespace: 'call `tier.namespace(name)`',
};
/** The option keys of a `set` call. */
export const SET_OPTIONS = ['ttl', 'staleWhileRevalidate', 'grace', 'tags'];
/** The option keys of a `getOrLoad` call. */
export const LOAD_OPTIONS = [...SET_OPTIONS, 'lock'];
/** Redis's largest string, in bytes (512 MiB). */
export const REDIS_MAX = 512 * 1024 * 1024;

/** Checks a duration in ms: non-negative and finite, or `Infinity`. */
export function checkTime(name: string, value: unknown): void {
  if (value === Number.POSITIVE_INFINITY) return;
  assertNonNegativeFinite(name, value);
}

/** @throws {TypeError} when `key` is not a string. */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to be a string, got ${describeValue(key)}`);
}

/** @throws {TypeError}/{@link RangeError} when `tags` is not an array of valid tags. */
export function checkTags(tags: unknown): asserts tags is readonly string[] {
  if (!Array.isArray(tags)) throw new TypeError(`Expected \`tags\` to be an array of strings, got ${describeValue(tags)}`);
  for (const t of tags) checkTag(t);
}

/** @throws {TypeError}/{@link RangeError} when `tag` is not a non-empty string without `|`. */
export function checkTag(tag: unknown): asserts tag is string {
  if (typeof tag !== 'string') throw new TypeError(`Expected \`tag\` to be a string, got ${describeValue(tag)}`);
  if (tag === '' || tag.includes('|'))
    throw new RangeError(`Expected \`tag\` to be a non-empty string without "|", got ${describeValue(tag)}`);
}

/** Checks the options of a `set` or `getOrLoad` call (`known`: their keys; `where`: the call, for errors). */
export function checkSetOptions(where: string, options: TierSetOptions | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  assertOptions(where, options, known);
  if (options.ttl !== undefined) checkTime('ttl', options.ttl);
  if (options.staleWhileRevalidate !== undefined) assertNonNegativeFinite('staleWhileRevalidate', options.staleWhileRevalidate);
  if (options.grace !== undefined) assertNonNegativeFinite('grace', options.grace);
  if (options.tags !== undefined) checkTags(options.tags);
  if ((options as TierLoadOptions).lock !== undefined) assertBoolean('lock', (options as TierLoadOptions).lock);
}

/** Tags of a call plus the namespace tags (`undefined` when neither has any). */
export function withNamespace(nsTags: readonly string[] | undefined, tags: readonly string[] | undefined): readonly string[] | undefined {
  if (nsTags === undefined) return tags === undefined || tags.length === 0 ? undefined : tags;
  if (tags === undefined || tags.length === 0) return nsTags;
  return [...nsTags, ...tags];
}
