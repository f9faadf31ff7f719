// Regression cases reported against other caches, one test each named after its public report or its kind.
// Time is a ManualClock.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type EvictionReason, LruCache } from '../src/index.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

describe('regressions', () => {
  it('oversized item, the kind of cachem #32 and LRUCache.jl #37 (lru-cache maxEntrySize): an item larger than maxSize is not stored and evicts nothing; replacing with one removes the old entry (reason set)', () => {
    const removed: Array<[string, string, EvictionReason]> = [];
    const cache = new LruCache<string, string>({
      maxSize: 100,
      sizeOf: (v) => v.length,
      onEvict: (k, v, r) => removed.push([k, v, r]),
    });
    expect(cache.set('a', 'x'.repeat(50))).toBe(true);
    expect(cache.set('b', 'x'.repeat(40))).toBe(true);
    expect(cache.set('c', 'x'.repeat(150))).toBe(false);
    expect(cache.has('c')).toBe(false);
    expect([...cache.keys()].sort()).toEqual(['a', 'b']);
    expect(cache.totalSize).toBe(90);
    expect(removed).toEqual([]);
    expect(cache.set('a', 'x'.repeat(150))).toBe(false);
    expect(removed).toEqual([['a', 'x'.repeat(50), 'set']]);
    expect(cache.has('a')).toBe(false);
    expect(cache.has('b')).toBe(true);
    expect(cache.totalSize).toBe(40);
  });

  it('size accounting drift (kind): total size follows deletes and clear (35 → 15 → 10 → 0)', () => {
    const cache = new LruCache<string, number>({ maxSize: 1000, sizeOf: (v) => v });
    cache.set('five', 5);
    cache.set('ten', 10);
    cache.set('twenty', 20);
    expect(cache.totalSize).toBe(35);
    cache.delete('twenty');
    expect(cache.totalSize).toBe(15);
    cache.delete('five');
    expect(cache.totalSize).toBe(10);
    cache.clear();
    expect(cache.totalSize).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('one expiry rule at the boundary now − setAt = ttl (kind: has/get/peek/iteration disagreeing): ttl 10 set at t=0 is present at t=9 with 1 ms left and absent everywhere at t=10 with 0 left', () => {
    const clock = new ManualClock(0);
    const cache = new LruCache<string, number>({ max: 10, ttl: 10, clock });
    cache.set('k', 1);
    clock.set(9);
    expect(cache.has('k')).toBe(true);
    expect(cache.peek('k')).toBe(1);
    expect(cache.remainingTtl('k')).toBe(1);
    expect([...cache.keys()]).toEqual(['k']);
    expect(cache.get('k')).toBe(1);
    clock.set(10);
    expect(cache.has('k')).toBe(false);
    expect(cache.peek('k')).toBeUndefined();
    expect(cache.remainingTtl('k')).toBe(0);
    expect([...cache.keys()]).toEqual([]);
    expect([...cache.entries()]).toEqual([]);
    expect(cache.get('k')).toBeUndefined();
  });

  it('start time 0 taken for "no TTL" (kind): an entry set when the clock reads 0 still expires (t=0 is a real start time)', () => {
    const clock = new ManualClock(0);
    const cache = new LruCache<string, number>({ max: 10, clock });
    cache.set('k', 1, { ttl: 10 });
    clock.set(1000);
    expect(cache.has('k')).toBe(false);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('autoPurge leaves expired entries behind (node-lru-cache #408): automatic purge empties the cache after 3,000 sets at random times, with one timer', () => {
    const clock = new ManualClock(0);
    const cache = new LruCache<number, number>({ max: 10_000, ttl: 200, autoPurge: true, ttlResolution: 0, clock });
    const random = seededRandom(5);
    const times = Array.from({ length: 3000 }, () => Math.floor(random() * 300)).sort((a, b) => a - b);
    let maxTimers = 0;
    for (const [i, t] of times.entries()) {
      clock.set(Math.max(t, clock.now()));
      cache.set(i, i);
      maxTimers = Math.max(maxTimers, clock.pendingTimers);
    }
    expect(maxTimers).toBe(1);
    clock.set(1000);
    expect(cache.size).toBe(0);
    clock.set(2500);
    expect(cache.size).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('updateAgeOnGet makes autopurged entries immortal (node-lru-cache #392): with updateAgeOnGet, gets at 80 and 110 keep an entry of ttl 100 alive at 110; gone by 212', () => {
    const clock = new ManualClock(0);
    const cache = new LruCache<string, number>({ max: 10, ttl: 100, updateAgeOnGet: true, autoPurge: true, clock });
    cache.set('k', 1);
    clock.set(80);
    expect(cache.get('k')).toBe(1);
    clock.set(110);
    expect(cache.get('k')).toBe(1);
    expect(cache.has('k')).toBe(true);
    clock.set(212);
    expect(cache.size).toBe(0);
    expect(cache.has('k')).toBe(false);
  });

  it('listener re-entrancy (node-lru-cache #161 kind): onEvict that sets another key during an eviction: no exception, size equals entries iterated', () => {
    let n = 0;
    const cache: LruCache<string, number> = new LruCache<string, number>({
      max: 3,
      onEvict: (_k, _v, reason) => {
        if (reason === 'evict' && n++ < 5) cache.set(`from-listener-${n}`, n);
      },
    });
    for (let i = 0; i < 10; i++) expect(() => cache.set(`k${i}`, i)).not.toThrow();
    expect(cache.size).toBe([...cache.keys()].length);
    expect(cache.size).toBe(3);
  });

  it('dispose skipped for a stale entry on clear (node-lru-cache #203): clearing an expired entry calls onEvict exactly once', () => {
    const clock = new ManualClock(0);
    const calls: EvictionReason[] = [];
    const cache = new LruCache<string, number>({ max: 10, ttl: 5000, clock, onEvict: (_k, _v, r) => calls.push(r) });
    cache.set('k', 1);
    clock.set(10_000);
    cache.clear();
    expect(calls).toEqual(['clear']);
    cache.clear();
    cache.purgeStale();
    expect(calls).toHaveLength(1);
  });

  it('a load racing a write (kind): set and delete made during a load win over its late result; three concurrent loads call the loader once', async () => {
    const cache = new LruCache<string, string>({ max: 10 });
    let resolveLoad!: (v: string) => void;
    const p = cache.getOrLoad('k', () => new Promise<string>((r) => (resolveLoad = r)));
    cache.set('k', 'new');
    resolveLoad('old');
    expect(await p).toBe('old');
    expect(cache.get('k')).toBe('new');

    const q = cache.getOrLoad('d', () => new Promise<string>((r) => (resolveLoad = r)));
    cache.delete('d');
    resolveLoad('old');
    await q;
    expect(cache.has('d')).toBe(false);

    let calls = 0;
    const loader = async () => {
      calls++;
      return 'A';
    };
    const all = await Promise.all([cache.getOrLoad('a', loader), cache.getOrLoad('a', loader), cache.getOrLoad('a', loader)]);
    expect(all).toEqual(['A', 'A', 'A']);
    expect(calls).toBe(1);
  });

  it('object-backed key tables (kind): Map key semantics: 1 and "1" are distinct, "__proto__" is stored, "toString" is absent', () => {
    const cache = new LruCache<unknown, string>({ max: 10 });
    expect(cache.has('toString')).toBe(false);
    expect(cache.get('constructor')).toBeUndefined();
    cache.set(1, 'number');
    cache.set('1', 'string');
    expect(cache.size).toBe(2);
    expect(cache.get(1)).toBe('number');
    expect(cache.get('1')).toBe('string');
    cache.set('__proto__', 'proto');
    expect(cache.get('__proto__')).toBe('proto');
    expect(cache.size).toBe(3);
  });

  it('off-by-one at capacity 1 (kind): max 1 with 100 alternating sets always holds exactly the last key', () => {
    const cache = new LruCache<string, number>({ max: 1 });
    for (let i = 0; i < 100; i++) {
      const key = i % 2 === 0 ? 'a' : 'b';
      cache.set(key, i);
      expect([...cache.entries()]).toEqual([[key, i]]);
      expect(cache.size).toBe(1);
    }
  });

  it('a purge timer that keeps the process alive (kind: timer not unref()ed): a process that creates a cache with automatic purge and sets one key exits at once', () => {
    const script = [
      "import { LruCache } from '@scaling/cache';",
      'const cache = new LruCache({ max: 10, ttl: 3_600_000, autoPurge: true });',
      "cache.set('k', 1);",
      "cache.get('k');",
      "console.log('set');",
    ].join('\n');
    // A generous bound: only a timer that keeps the process alive (one hour here) would reach it.
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.signal).toBeNull();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('set');
    expect(child.status).toBe(0);
  });
});
