import { type Clock, systemClock } from '@scaling/core';
import { assertFunction, assertPositiveFinite, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import type { CacheOptions, EvictionListener } from './types.js';

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
  clock: Clock;
}

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

function checkBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  return value;
}

/** Validates cache options; every error names the option and the value received. */
export function resolveOptions<K, V>(options: CacheOptions<K, V>): ResolvedOptions<K, V> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const { max, maxSize, sizeOf, ttl, staleWhileRevalidate, ttlResolution, onEvict, clock } = options;
  if (max !== undefined || maxSize === undefined) assertPositiveInteger('max', max);
  if (maxSize !== undefined) {
    assertPositiveFinite('maxSize', maxSize);
    if (sizeOf === undefined) throw new TypeError('Expected `sizeOf` to be a function when `maxSize` is given, got undefined');
  }
  if (sizeOf !== undefined) {
    assertFunction('sizeOf', sizeOf);
    if (maxSize === undefined) throw new TypeError('Expected `maxSize` to be a positive number when `sizeOf` is given, got undefined');
  }
  if (onEvict !== undefined) assertFunction('onEvict', onEvict);
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function')) {
    throw new TypeError(`Expected \`clock\` to be a Clock, got ${describeValue(clock)}`);
  }
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
    updateAgeOnGet: checkBoolean('updateAgeOnGet', options.updateAgeOnGet),
    staleWhileRevalidate: swr === Number.POSITIVE_INFINITY && staleWhileRevalidate === 0 ? 0 : swr,
    autoPurge: checkBoolean('autoPurge', options.autoPurge),
    ttlResolution: resolution,
    onEvict,
    clock: clock ?? systemClock,
  };
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
