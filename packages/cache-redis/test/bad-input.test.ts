import { isScalingError, ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTieredCache,
  jsonSerializer,
  KeyTooLongError,
  SerializationError,
  TierClosedError,
  ValueTooLargeError,
} from '../src/index.js';
import { fleet } from './_helpers.js';
import { MemoryRedis } from './_memory-redis.js';

let cleanup: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function one(options = {}) {
  const f = fleet<unknown>(1, options);
  cleanup = f.close;
  await f.ready();
  return { ...f, a: (f.instances as [(typeof f.instances)[0]])[0] };
}

describe('unserialisable values', () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  class Point {
    x = 1;
  }
  it.each([
    ['a function', { f() {} }, /function \(at property "f"\)/],
    ['a cycle', cycle, /circular/i],
    ['a symbol', [Symbol('s')], /symbol \(at index 0\)/],
    ['NaN', { n: Number.NaN }, /NaN/],
    ['Infinity', [Number.POSITIVE_INFINITY], /Infinity/],
    ['undefined in an array', [1, undefined], /undefined in an array/],
    ['a Map', { m: new Map() }, /Map/],
    ['a class instance', new Point(), /Point/],
    ['an invalid Date', new Date(Number.NaN), /invalid Date/],
  ])('%s → SerializationError, and the previous value is intact in L1 and L2', async (_name, value, message) => {
    const { a, redis } = await one();
    await a.tier.set('k', 'old');
    const before = redis.keys();
    const err = await a.tier.set('k', value).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SerializationError);
    expect(isScalingError(err, 'ERR_CACHE_SERIALIZE')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(redis.keys()).toEqual(before);
    expect(await a.tier.get('k')).toBe('old');
    a.l1.clear();
    expect(await a.tier.get('k')).toBe('old');
  });

  it('a loader returning an unserialisable value rejects and stores nothing', async () => {
    const { a, redis } = await one();
    await expect(a.tier.getOrLoad('k', async () => ({ f: () => 1 }))).rejects.toBeInstanceOf(SerializationError);
    expect(redis.keys().filter((k) => k.startsWith('t:d:'))).toEqual([]);
    expect(a.l1.size).toBe(0);
  });

  it('Date, Buffer, Uint8Array and bigint survive L2 with their types', async () => {
    const { a } = await one();
    const value = {
      at: new Date(5),
      buf: Buffer.from('hi'),
      bytes: new Uint8Array([1, 2]),
      n: 2n ** 70n,
      list: [new Date(0)],
      u: undefined,
    };
    await a.tier.set('k', value);
    a.l1.clear();
    const got = (await a.tier.get('k')) as typeof value;
    expect(got.at).toEqual(new Date(5));
    expect(Buffer.isBuffer(got.buf) && got.buf.toString()).toBe('hi');
    expect(got.bytes).toBeInstanceOf(Uint8Array);
    expect([...got.bytes]).toEqual([1, 2]);
    expect(got.n).toBe(2n ** 70n);
    expect(got.list[0]).toEqual(new Date(0));
    expect('u' in got).toBe(false);
    expect(jsonSerializer.deserialize(jsonSerializer.serialize(null))).toBeNull();
  });
});

describe('keys, tags and values over the limits', () => {
  it('a key longer than maxKeyBytes (prefix included, in UTF-8 bytes) → KeyTooLongError', async () => {
    const { a } = await one({ maxKeyBytes: 20 });
    const err = await a.tier.set('é'.repeat(10), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyTooLongError);
    expect(err).toMatchObject({ code: 'ERR_CACHE_KEY_TOO_LONG', bytes: 24, maxBytes: 20 });
    await expect(a.tier.get('x'.repeat(100))).rejects.toBeInstanceOf(KeyTooLongError);
    await expect(a.tier.getOrLoad('x'.repeat(100), () => 1)).rejects.toBeInstanceOf(KeyTooLongError);
    await expect(a.tier.delete('x'.repeat(100))).rejects.toBeInstanceOf(KeyTooLongError);
  });

  it('a value over maxValueBytes → ValueTooLargeError, nothing written', async () => {
    const { a, redis } = await one({ maxValueBytes: 10 });
    await expect(a.tier.set('k', 'x'.repeat(20))).rejects.toBeInstanceOf(ValueTooLargeError);
    expect(redis.keys().filter((k) => k.startsWith('t:d:'))).toEqual([]);
  });

  it('non-string keys and bad tags are TypeErrors / RangeErrors', async () => {
    const { a } = await one();
    await expect(a.tier.get(1 as never)).rejects.toThrow(TypeError);
    await expect(a.tier.set('k', 1, { tags: ['a|b'] })).rejects.toThrow(RangeError);
    await expect(a.tier.set('k', 1, { tags: [''] })).rejects.toThrow(RangeError);
    await expect(a.tier.deleteByTag(5 as never)).rejects.toThrow(TypeError);
    await expect(a.tier.set('k', 1, { maxAge: 5 } as never)).rejects.toThrow(/Unknown option `maxAge`/);
    await expect(a.tier.getOrLoad('k', 'nope' as never)).rejects.toThrow(/Expected `loader` to be a function/);
  });

  it('operations after close() reject with TierClosedError', async () => {
    const { a } = await one();
    await a.tier.close();
    await expect(a.tier.set('k', 1)).rejects.toBeInstanceOf(TierClosedError);
    await expect(a.tier.getOrLoad('k', () => 1)).rejects.toBeInstanceOf(TierClosedError);
    await expect(a.tier.get('k')).rejects.toBeInstanceOf(TierClosedError);
  });
});

describe('options', () => {
  const transport = () => new MemoryRedis(new ManualClock()).transport();
  it('unknown options are TypeErrors, with a hint for names from other libraries', () => {
    expect(() => createTieredCache({ transport: transport(), gracePeriod: 5 } as never)).toThrow(
      /Unknown option `gracePeriod`.*use `grace`/,
    );
    expect(() => createTieredCache({ transport: transport(), stores: [] } as never)).toThrow(/Unknown option `stores`/);
  });
  it('exactly one of redis and transport', () => {
    expect(() => createTieredCache({})).toThrow(/exactly one of `redis`.*neither/);
    expect(() => createTieredCache({ transport: transport(), redis: {} as never })).toThrow(/both/);
    expect(() => createTieredCache({ redis: {} as never })).toThrow(/ioredis client/);
    expect(() => createTieredCache({ transport: {} as never })).toThrow(/RedisTransport with a `get\(\)` method/);
  });
  it.each([
    [{ ttl: -1 }, RangeError, /`ttl`/],
    [{ grace: '1' }, TypeError, /`grace`/],
    [{ commandTimeout: 0 }, RangeError, /`commandTimeout`/],
    [{ breakerThreshold: 1.5 }, RangeError, /`breakerThreshold`/],
    [{ lock: 'yes' }, TypeError, /`lock`/],
    [{ maxKeyBytes: 0 }, RangeError, /`maxKeyBytes`/],
    [{ maxValueBytes: 2 ** 40 }, RangeError, /`maxValueBytes`/],
    [{ serializer: {} }, TypeError, /`serializer`/],
    [{ clock: {} }, TypeError, /`clock`/],
    [{ prefix: 1 }, TypeError, /`prefix`/],
  ])('%o is rejected naming the option', (bad, type, message) => {
    expect(() => createTieredCache({ transport: transport(), ...(bad as object) })).toThrow(type);
    expect(() => createTieredCache({ transport: transport(), ...(bad as object) })).toThrow(message);
  });
});
