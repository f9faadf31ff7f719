// Issue kind "re-entrant calls from callbacks": every user callback of a cache (onEvict for each removal
// reason, sizeOf, a loader before and after its first await) calls every cache method; each call either works
// or fails with a coded ScalingError — never `undefined` where a value is due, never an internal TypeError —
// and the cache is consistent afterwards. Swept over every implementation.
import { isScalingError, ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type BoundedCache, type CacheOptions, ReentrantLoadError } from '../src/index.js';
import type { CacheFactory } from './_conformance.js';
import { checkInvariants, implementations } from './_implementations.js';

type C = BoundedCache<string, number>;

/** What a callback does with the cache; `own` is the key the callback is about. */
const actions: Record<string, (cache: C, own: string) => unknown> = {
  'get(own)': (c, k) => c.get(k),
  'get(other)': (c) => c.get('other'),
  'peek(own)': (c, k) => c.peek(k),
  'has(own)': (c, k) => c.has(k),
  remainingTtl: (c, k) => c.remainingTtl(k),
  'set(own)': (c, k) => c.set(k, 99),
  'set(new key)': (c) => c.set('from-callback', 1),
  'delete(own)': (c, k) => c.delete(k),
  'delete(other)': (c) => c.delete('other'),
  clear: (c) => c.clear(),
  purgeStale: (c) => c.purgeStale(),
  iterate: (c) => [...c.entries()],
  stats: (c) => c.stats(),
  'getOrLoad(own)': (c, k) => c.getOrLoad(k, async () => 7),
  'getOrLoad(other)': (c) => c.getOrLoad('loaded', async () => 8),
};

interface Run {
  cache: C;
  clock: ManualClock;
  /** Promises and errors the callback's action produced (awaited and checked after the scenario). */
  results: unknown[];
  errors: unknown[];
}

/** A cache whose callbacks run `action` once (not from inside itself); `trigger` selects which callback. */
function setUp(create: CacheFactory, trigger: string, action: (cache: C, own: string) => unknown): Run {
  const clock = new ManualClock(0);
  const run: Run = { cache: undefined as unknown as C, clock, results: [], errors: [] };
  let armed = false;
  let inside = false;
  const fire = (own: string): void => {
    if (!armed || inside) return;
    armed = false;
    inside = true;
    try {
      run.results.push(action(run.cache, own));
    } catch (e) {
      run.errors.push(e);
    } finally {
      inside = false;
    }
  };
  const options: CacheOptions<string, number> = {
    max: 3,
    ttl: 100,
    clock,
    onEvict: (k, _v, reason) => {
      if (trigger === `onEvict(${reason})`) fire(k);
    },
  };
  if (trigger === 'sizeOf') {
    options.maxSize = 1000;
    options.sizeOf = (v, k) => {
      if (k === 'target') fire(k);
      return v;
    };
  }
  run.cache = create<string, number>(options);
  for (const k of ['a', 'other', 'target']) run.cache.set(k, 1);
  armed = true;
  return run;
}

/** Makes the chosen callback run. */
async function scenario(run: Run, trigger: string, action: (cache: C, own: string) => unknown): Promise<unknown> {
  const { cache, clock } = run;
  switch (trigger) {
    case 'onEvict(evict)':
      cache.get('a');
      cache.get('other');
      return cache.set('d', 4); // whichever entry the policy evicts, its onEvict fires
    case 'onEvict(expire)':
      clock.advance(100);
      return cache.get('target');
    case 'onEvict(delete)':
      return cache.delete('target');
    case 'onEvict(set)':
      return cache.set('target', 2);
    case 'onEvict(clear)':
      return cache.clear();
    case 'sizeOf':
      return cache.set('target', 5);
    case 'loader (synchronous part)':
      cache.delete('target');
      return cache.getOrLoad('target', (k) => {
        run.results.push(Promise.resolve(action(cache, k)));
        return 5;
      });
    case 'loader (after an await)':
      cache.delete('target');
      return cache.getOrLoad('target', async (k) => {
        await Promise.resolve();
        run.results.push(Promise.resolve(action(cache, k)));
        return 5;
      });
    default:
      throw new Error(trigger);
  }
}

const triggers = [
  'onEvict(evict)',
  'onEvict(expire)',
  'onEvict(delete)',
  'onEvict(set)',
  'onEvict(clear)',
  'sizeOf',
  'loader (synchronous part)',
  'loader (after an await)',
];

describe.each(implementations)('%s: callbacks may call the cache (re-entrancy)', (_name, create) => {
  it.each(triggers)('%s calls every method: each works or throws a coded error; the cache stays consistent', async (trigger) => {
    for (const [label, action] of Object.entries(actions)) {
      // A loader that waits for its own key after an await would wait for itself (documented); not swept.
      if (trigger === 'loader (after an await)' && label === 'getOrLoad(own)') continue;
      const run = setUp(create, trigger, action);
      let outer: unknown;
      try {
        outer = await scenario(run, trigger, action);
      } catch (e) {
        throw new Error(`${trigger} → ${label}: the outer call threw ${String(e)}`);
      }
      expect(run.results.length + run.errors.length, `${trigger} → ${label}: the callback ran`).toBe(1);
      const settled = await Promise.allSettled(run.results.map((r) => Promise.resolve(r)));
      for (const s of [...settled.filter((x) => x.status === 'rejected').map((x) => x.reason), ...run.errors]) {
        if (!isScalingError(s)) throw new Error(`${trigger} → ${label}: failed with an uncoded ${String(s)}`);
      }
      if (trigger.startsWith('loader')) expect(outer, `${trigger} → ${label}`).toBe(5);
      for (const s of settled) {
        if (s.status === 'fulfilled' && label.startsWith('getOrLoad'))
          expect(s.value, `${trigger} → ${label} resolved undefined`).not.toBeUndefined();
      }
      checkInvariants(run.cache, { max: 3 });
      expect(run.cache.set('after', 1), `${trigger} → ${label}: usable afterwards`).toBe(true);
      expect(run.cache.get('after')).toBe(1);
      checkInvariants(run.cache, { max: 3 });
    }
  });

  it('regression (re-entrancy kind, issue 13): a loader asking for its own key synchronously gets ReentrantLoadError, not undefined; the load goes on', async () => {
    const cache = create<string, number>({ max: 10 });
    let inner: Promise<number> | undefined;
    const value = await cache.getOrLoad('k', (key) => {
      inner = cache.getOrLoad(key, async () => 2);
      return 1;
    });
    expect(value).toBe(1);
    const error = await (inner as Promise<number>).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReentrantLoadError);
    expect(isScalingError(error, 'ERR_CACHE_REENTRANT_LOAD')).toBe(true);
    expect((error as ReentrantLoadError).key).toBe('k');
    expect((error as ReentrantLoadError).name).toBe('ReentrantLoadError');
    expect(cache.get('k')).toBe(1);
    // With a signal, the inner call used to throw an internal TypeError (reading `then` of undefined).
    let withSignal: Promise<number> | undefined;
    await cache.getOrLoad('j', (key) => {
      withSignal = cache.getOrLoad(key, async () => 2, { signal: new AbortController().signal });
      return 1;
    });
    await expect(withSignal).rejects.toBeInstanceOf(ReentrantLoadError);
  });

  it('a sizeOf that calls set while the cache grows keeps the sizes right', () => {
    let depth = 0;
    let fresh = 100_000;
    const cache: BoundedCache<number, number> = create<number, number>({
      maxSize: 10_000,
      sizeOf: (v, k) => {
        if (depth === 0 && k % 7 === 0) {
          depth++;
          for (let j = 0; j < 20; j++) cache.set(fresh++, 1);
          depth--;
        }
        return v;
      },
    });
    for (let i = 0; i < 200; i++) cache.set(i, 1 + (i % 5));
    // Overwrites: the sizes array read before `sizeOf` used to be a stale copy once the nested sets grew it.
    for (let i = 0; i < 200; i++) cache.set(i, 2 + (i % 3));
    checkInvariants(cache, { maxSize: 10_000 });
  });
});
