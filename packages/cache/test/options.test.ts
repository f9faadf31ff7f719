// Issue kind "options from the libraries people migrate from are not silently ignored": every options object
// of the package — the constructors of LruCache and Cache, and the per-call options of set, getOrLoad and
// getOrLoadWithStatus — rejects an unknown key with a TypeError naming it, and names our option where the key
// comes from lru-cache, quick-lru, tiny-lru, mnemonist or node-cache.
import { describe, expect, it } from 'vitest';
import { CACHE_OPTION_HINTS } from '../src/_options.js';
import { Cache, type CacheOptions, LruCache } from '../src/index.js';
import { implementations } from './_implementations.js';

/** Migration keys and a word of the hint each must show. */
const constructorHints: Array<[string, unknown, string]> = [
  ['maxAge', 1000, '`ttl`'],
  ['stdTTL', 10, '`ttl`'],
  ['ttlAutopurge', true, '`autoPurge`'],
  ['dispose', () => {}, '`onEvict'],
  ['disposeAfter', () => {}, '`onEvict'],
  ['onEviction', () => {}, '`onEvict'],
  ['maxEntrySize', 10, '`maxSize`'],
  ['sizeCalculation', () => 1, '`sizeOf'],
  ['allowStale', true, '`staleWhileRevalidate`'],
  ['stale', true, '`staleWhileRevalidate`'],
  ['updateAgeOnHas', true, '`updateAgeOnGet`'],
  ['resetTtl', true, '`updateAgeOnGet`'],
  ['ignoreFetchAbort', true, '`ignoreLoadAbort`'],
  ['fetchMethod', () => 1, '`getOrLoad'],
  ['noDisposeOnSet', true, 'reason `set`'],
  ['perf', { now: () => 0 }, '`clock`'],
  ['capacity', 10, '`max`'],
  ['status', {}, '`getOrLoadWithStatus()`'],
];

describe.each(implementations)('%s: every options object is checked', (_name, create) => {
  it('the constructor rejects an unknown key, naming it and listing ours', () => {
    expect(() => create({ max: 10, bogus: 1 } as CacheOptions<string, number>)).toThrow(TypeError);
    expect(() => create({ max: 10, bogus: 1 } as CacheOptions<string, number>)).toThrow(/Unknown option `bogus`.*`max`/);
  });

  it.each(constructorHints)('the constructor names our option for `%s`', (key, value, hint) => {
    const options = { max: 10, [key]: value } as CacheOptions<string, number>;
    expect(() => create(options)).toThrow(TypeError);
    expect(() => create(options)).toThrow(`Unknown option \`${key}\``);
    expect(() => create(options)).toThrow(hint);
  });

  it('the constructor accepts every documented option', () => {
    const cache = create<string, number>({
      max: 10,
      maxSize: 100,
      sizeOf: () => 1,
      ttl: 1000,
      updateAgeOnGet: true,
      staleWhileRevalidate: 10,
      autoPurge: false,
      ttlResolution: 0,
      onEvict: () => {},
      ignoreLoadAbort: true,
      clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} } as never,
    });
    expect(cache.set('a', 1)).toBe(true);
  });

  it('a constructor options value that is not an object is a TypeError', () => {
    for (const bad of [undefined, null, 10, 'max', [10]]) expect(() => create(bad as never)).toThrow(TypeError);
  });

  it('a clock without the timer methods the TTL uses is a TypeError naming `clock`', () => {
    expect(() => create({ max: 10, clock: { now: () => 0 } as never })).toThrow(/`clock`.*setTimeout/);
  });

  it('set options: unknown keys (lru-cache `size`, `noDisposeOnSet`, …) and non-objects are TypeErrors; nothing is stored', () => {
    const cache = create<string, number>({ max: 10 });
    expect(() => cache.set('a', 1, { maxAge: 5 } as never)).toThrow(/Unknown option `maxAge` in set\(\).*`ttl`/);
    expect(() => cache.set('a', 1, { size: 5 } as never)).toThrow(/`size`.*`sizeOf`/);
    expect(() => cache.set('a', 1, { noDisposeOnSet: true } as never)).toThrow(TypeError);
    expect(() => cache.set('a', 1, null as never)).toThrow(TypeError);
    expect(() => cache.set('a', 1, 5 as never)).toThrow(TypeError);
    expect(cache.size).toBe(0);
    expect(cache.set('a', 1, { ttl: 10 })).toBe(true);
  });

  it.each(['getOrLoad', 'getOrLoadWithStatus'] as const)(
    '%s options: unknown keys (lru-cache `status`, `forceRefresh`, …), a bad signal and non-objects are TypeErrors',
    (method) => {
      const cache = create<string, number>({ max: 10 });
      const call = (options: unknown) => cache[method]('k', async () => 1, options as never);
      expect(() => call({ status: {} })).toThrow(/Unknown option `status` in getOrLoad\(\).*getOrLoadWithStatus/);
      expect(() => call({ forceRefresh: true })).toThrow(/`forceRefresh`.*delete/);
      expect(() => call({ allowStale: true })).toThrow(TypeError);
      expect(() => call({ signal: 'abort' })).toThrow(/`signal`/);
      expect(() => call(null)).toThrow(TypeError);
      expect(() => call({ ttl: -1 })).toThrow(RangeError);
      expect(cache.stats().loads).toBe(0);
    },
  );
});

describe('Cache: the `policy` option', () => {
  it('is known to Cache and unknown to LruCache (with the list of ours)', () => {
    expect(new Cache<string, number>({ max: 10, policy: 'sieve' }).policy).toBe('sieve');
    expect(() => new LruCache<string, number>({ max: 10, policy: 'lru' } as never)).toThrow(/Unknown option `policy` in LruCache/);
    expect(() => new Cache<string, number>({ max: 10, evictionPolicy: 'lru' } as never)).toThrow(/`policy`/);
  });

  it("quick-lru's `maxSize` (an entry count) gets a hint at `max`", () => {
    expect(() => new LruCache<string, number>({ maxSize: 100 })).toThrow(/quick-lru.*`max`/);
  });

  it('every option or method a hint names exists (a hint may only explain, e.g. `useClones`)', () => {
    const ours = ['max', 'maxSize', 'sizeOf', 'ttl', 'updateAgeOnGet', 'staleWhileRevalidate', 'autoPurge', 'onEvict', 'ignoreLoadAbort'];
    const methods = ['getOrLoad', 'getOrLoadWithStatus', 'delete', 'set', 'get', 'has'];
    for (const [key, hint] of Object.entries(CACHE_OPTION_HINTS)) {
      const named = [...hint.matchAll(/`([A-Za-z]+)/g)].map((m) => m[1] as string);
      for (const n of named) {
        if (['set', 'get', 'has', 'clock', 'policy', 'Cache', 'onEvict'].includes(n) || ours.includes(n) || methods.includes(n)) continue;
        throw new Error(`hint for ${key} names \`${n}\`, which is not ours`);
      }
    }
  });
});
