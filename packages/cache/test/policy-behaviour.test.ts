import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cache, type CachePolicy, DEFAULT_POLICY, LruCache } from '../src/index.js';
import { type Simulator, s3fifoSimulator, sieveSimulator } from './_reference-policies.js';

/** Replay `keys` (get, and set on a miss); returns the hit flags and the evicted keys in order. */
function replay(policy: CachePolicy, capacity: number, keys: number[]): { hits: boolean[]; evicted: number[] } {
  const evicted: number[] = [];
  const cache = new Cache<number, number>({ max: capacity, policy, onEvict: (k, _v, r) => r === 'evict' && evicted.push(k) });
  const hits = keys.map((k) => {
    if (cache.get(k) !== undefined) return true;
    cache.set(k, k);
    return false;
  });
  return { hits, evicted };
}

function simulate(sim: Simulator, keys: number[]): { hits: boolean[]; evicted: number[] } {
  return { hits: keys.map((k) => sim.access(k)), evicted: sim.evicted };
}

const sequences = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 40, maxLength: 300 }));

describe('SIEVE', () => {
  it('a hand-made sequence: the hand skips visited entries, clears their bits, and stays where it stopped', () => {
    // capacity 3: 1 2 3, hit 1; then 4 evicts 2 (1 is visited: skipped, bit cleared), 5 evicts 3, and 6 evicts
    // 4, not 1: the hand stays past 1 until it wraps around.
    expect(replay('sieve', 3, [1, 2, 3, 1, 4, 5, 6]).evicted).toEqual([2, 3, 4]);
    expect(simulate(sieveSimulator(3), [1, 2, 3, 1, 4, 5, 6]).evicted).toEqual([2, 3, 4]);
  });

  it('evicts exactly what the reference simulator evicts (property)', () => {
    fc.assert(
      fc.property(sequences, ([capacity, keys]) => {
        expect(replay('sieve', capacity, keys)).toEqual(simulate(sieveSimulator(capacity), keys));
      }),
    );
  });

  it('catches a policy that is not SIEVE (LRU) against the same simulator', () => {
    expect(() =>
      fc.assert(
        fc.property(sequences, ([capacity, keys]) => {
          expect(replay('lru', capacity, keys)).toEqual(simulate(sieveSimulator(capacity), keys));
        }),
        { numRuns: 300 },
      ),
    ).toThrow();
  });
});

describe('S3-FIFO', () => {
  it('a hand-made sequence: a key read once in S moves to M; a one-hit key is evicted from S into the ghost and comes back to M', () => {
    // capacity 10 → S target 1. Fill 0…9 (all in S), read 0, then 10 evicts: 0 moves to M, 1 is evicted.
    const keys = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 10];
    expect(replay('s3fifo', 10, keys).evicted).toEqual([1]);
    // 1 returns: remembered by the ghost, it goes to M; 11 then evicts from S (2), not from M.
    const more = [...keys, 1, 11];
    expect(replay('s3fifo', 10, more).evicted).toEqual([1, 2, 3]);
    expect(simulate(s3fifoSimulator(10), more).evicted).toEqual([1, 2, 3]);
  });

  it('evicts exactly what the reference simulator evicts (property)', () => {
    fc.assert(
      fc.property(sequences, ([capacity, keys]) => {
        expect(replay('s3fifo', capacity, keys)).toEqual(simulate(s3fifoSimulator(capacity), keys));
      }),
    );
  });

  it('catches a policy that is not S3-FIFO (SIEVE) against the same simulator', () => {
    expect(() =>
      fc.assert(
        fc.property(sequences, ([capacity, keys]) => {
          expect(replay('sieve', capacity, keys)).toEqual(simulate(s3fifoSimulator(capacity), keys));
        }),
        { numRuns: 300 },
      ),
    ).toThrow();
  });
});

describe('scan and loop resistance (the reason for the policies)', () => {
  const loop = (length: number, rounds: number): number[] => Array.from({ length: length * rounds }, (_, i) => i % length);
  const ratio = (hits: boolean[]): number => hits.filter(Boolean).length / hits.length;

  it('a loop slightly larger than the cache: LRU hits nothing, S3-FIFO and W-TinyLFU keep most of it', () => {
    const keys = loop(110, 50);
    expect(ratio(replay('lru', 100, keys).hits)).toBe(0);
    expect(ratio(replay('s3fifo', 100, keys).hits)).toBeGreaterThan(0.5);
    expect(ratio(replay('tinylfu', 100, keys).hits)).toBeGreaterThan(0.5);
  });

  it('hot keys interleaved with a one-time scan: LRU loses them, S3-FIFO and W-TinyLFU keep them', () => {
    // 10 hot keys, each read again after 60 other requests (5 scan keys per hot read) in a cache of 50.
    for (const policy of ['tinylfu', 's3fifo', 'lru'] as CachePolicy[]) {
      const cache = new Cache<number, number>({ max: 50, policy });
      let hotHits = 0;
      let scan = 1000;
      for (let round = 0; round < 2000; round++) {
        const hot = round % 10;
        if (cache.get(hot) === undefined) cache.set(hot, hot);
        else if (round >= 1000) hotHits++;
        for (let s = 0; s < 5; s++, scan++) if (cache.get(scan) === undefined) cache.set(scan, scan);
      }
      if (policy === 'lru') expect(hotHits).toBe(0);
      else expect(hotHits).toBeGreaterThan(900);
    }
  });
});

describe('policy option', () => {
  it(`defaults to '${DEFAULT_POLICY}', and LruCache stays LRU`, () => {
    expect(new Cache({ max: 1 }).policy).toBe(DEFAULT_POLICY);
    const lru = new LruCache<number, number>({ max: 2 });
    lru.set(1, 1);
    lru.set(2, 2);
    lru.get(1);
    lru.set(3, 3);
    expect([...lru.keys()]).toEqual([3, 1]);
  });

  it('rejects an unknown policy with a RangeError and a non-string with a TypeError, naming `policy`', () => {
    expect(() => new Cache({ max: 1, policy: 'arc' as CachePolicy })).toThrow(RangeError);
    expect(() => new Cache({ max: 1, policy: 'arc' as CachePolicy })).toThrow('`policy`');
    expect(() => new Cache({ max: 1, policy: 1 as unknown as CachePolicy })).toThrow(TypeError);
  });

  it('a size-limited cache of every policy keeps Σ sizes ≤ maxSize and never evicts the entry being set', () => {
    for (const policy of ['lru', 's3fifo', 'sieve', 'tinylfu'] as CachePolicy[]) {
      const cache = new Cache<number, number>({ maxSize: 100, sizeOf: (v) => v, policy });
      for (let k = 0; k < 500; k++) {
        const size = 1 + ((k * 37) % 30);
        expect(cache.set(k % 60, size)).toBe(true);
        expect(cache.peek(k % 60)).toBe(size);
        expect(cache.totalSize).toBeLessThanOrEqual(100);
        if (k % 3 === 0) cache.get((k * 7) % 60);
      }
    }
  });
});
