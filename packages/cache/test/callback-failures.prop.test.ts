// Issue kind "a throwing user callback never leaves a structure broken": random operations on every cache
// while onEvict, sizeOf, the loader and the clock throw at random. After every operation — whether it threw
// or not — the key table, the eviction order, the sizes and iteration agree (checkInvariants), no entry left
// without a removal report, and the cache keeps working. (No user-supplied key hash exists: W-TinyLFU hashes
// keys itself and never calls user code, so it cannot throw.)
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BoundedCache, Cache, type CacheOptions, type EvictionReason } from '../src/index.js';
import type { CacheFactory } from './_conformance.js';
import { checkInvariants, implementations } from './_implementations.js';

type Fault = 'none' | 'onEvict' | 'sizeOf' | 'loader' | 'loader-async' | 'clock';

type Op =
  | { kind: 'set'; key: number; size: number; ttl: number | undefined; fault: Fault }
  | { kind: 'get' | 'delete' | 'peek'; key: number; fault: Fault }
  | { kind: 'getOrLoad'; key: number; size: number; fault: Fault }
  | { kind: 'clear' | 'purgeStale' | 'iterate'; fault: Fault }
  | { kind: 'advance'; ms: number };

const key = fc.integer({ min: 0, max: 12 });
const fault = fc.constantFrom<Fault>('none', 'none', 'onEvict', 'sizeOf', 'loader', 'loader-async', 'clock');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    key,
    size: fc.integer({ min: 1, max: 30 }),
    ttl: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
    fault,
  }),
  fc.record({ kind: fc.constantFrom('get' as const, 'delete' as const, 'peek' as const), key, fault }),
  fc.record({ kind: fc.constant('getOrLoad' as const), key, size: fc.integer({ min: 1, max: 30 }), fault }),
  fc.record({ kind: fc.constantFrom('clear' as const, 'purgeStale' as const, 'iterate' as const), fault }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40 }) }),
);

class FailingClock extends ManualClock {
  fail = false;
  override now(): number {
    if (this.fail) throw new Error('clock failed');
    return super.now();
  }
}

const MAX = 6;
const MAX_SIZE = 100;

/** The property: random operations while callbacks throw at random; invariants after each. */
function survivesThrowingCallbacks(create: CacheFactory) {
  return fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.boolean(), async (ops, bySize) => {
    const clock = new FailingClock(0);
    let failing: Fault = 'none';
    let removed: Array<[number, EvictionReason]> = [];
    const cache: BoundedCache<number, number> = create<number, number>({
      ...(bySize ? { maxSize: MAX_SIZE, sizeOf: (v: number) => (failing === 'sizeOf' ? boom('sizeOf') : v) } : { max: MAX }),
      ttl: 30,
      staleWhileRevalidate: 10,
      ttlResolution: 0,
      clock,
      onEvict: (k, _v, reason) => {
        removed.push([k, reason]);
        if (failing === 'onEvict') boom('onEvict');
      },
    });
    const loader = (_k: number, size: number) => () => {
      if (failing === 'loader') boom('loader');
      if (failing === 'loader-async') return Promise.reject(new Error('loader rejected'));
      return size;
    };
    for (const o of ops) {
      const before = new Set((cache as unknown as { _map: Map<number, number> })._map.keys());
      removed = [];
      failing = o.kind === 'advance' ? 'none' : o.fault;
      clock.fail = failing === 'clock';
      try {
        switch (o.kind) {
          case 'set':
            cache.set(o.key, o.size, o.ttl === undefined ? undefined : { ttl: o.ttl });
            break;
          case 'get':
            cache.get(o.key);
            break;
          case 'peek':
            cache.peek(o.key);
            break;
          case 'delete':
            cache.delete(o.key);
            break;
          case 'getOrLoad':
            await cache.getOrLoad(o.key, loader(o.key, o.size)).catch(() => undefined);
            break;
          case 'clear':
            cache.clear();
            break;
          case 'purgeStale':
            cache.purgeStale();
            break;
          case 'iterate':
            [...cache.entries()];
            break;
          case 'advance':
            clock.advance(o.ms);
            break;
        }
      } catch (e) {
        if (!(e instanceof Error) || !/failed|rejected|boom/.test(e.message)) throw e;
      }
      failing = 'none';
      clock.fail = false;
      checkInvariants(cache, bySize ? { maxSize: MAX_SIZE } : { max: MAX });
      // Nothing silently dropped: every entry that left the key table was reported to onEvict.
      const after = new Set((cache as unknown as { _map: Map<number, number> })._map.keys());
      const reported = new Set(removed.filter(([, r]) => r !== 'set').map(([k]) => k));
      for (const k of before) if (!after.has(k)) expect(reported.has(k), `key ${k} left without a report`).toBe(true);
    }
    expect(cache.set(1000, 1)).toBe(true);
    expect(cache.get(1000)).toBe(1);
    expect(await cache.getOrLoad(1001, () => 2)).toBe(2);
    checkInvariants(cache, bySize ? { maxSize: MAX_SIZE } : { max: MAX });
  });
}

describe.each(implementations)('%s: throwing callbacks never leave the cache broken (property)', (_name, create) => {
  it('invariants hold after every operation while onEvict, sizeOf, the loader and the clock throw at random', async () => {
    await fc.assert(survivesThrowingCallbacks(create), { numRuns: 150 });
  });
});

/** Deliberately broken: delivers removals to onEvict before the slot leaves the policy's queues. */
class NotifiesTooEarly<K, V> extends Cache<K, V> {
  override _unlinkSlot(i: number, key: K, evicted: boolean): void {
    this._drain();
    super._unlinkSlot(i, key, evicted);
  }
}

describe('the property catches a broken variant', () => {
  it('a Cache that calls onEvict while its state is inconsistent', async () => {
    const broken: CacheFactory = <K, V>(options: CacheOptions<K, V>) => new NotifiesTooEarly<K, V>({ ...options, policy: 'lru' });
    // The known failing sequence first (a delete whose onEvict throws), then random runs.
    const deleteWhileOnEvictThrows = [
      { kind: 'set', key: 1, size: 1, ttl: undefined, fault: 'none' },
      { kind: 'set', key: 2, size: 1, ttl: undefined, fault: 'none' },
      { kind: 'delete', key: 1, fault: 'onEvict' },
    ] as Op[];
    await expect(
      fc.assert(survivesThrowingCallbacks(broken), { numRuns: 300, examples: [[deleteWhileOnEvictThrows, false]] }),
    ).rejects.toThrow();
  });
});

function boom(where: string): never {
  throw new Error(`boom: ${where} failed`);
}
