// The getOrLoad part of the conformance suite (see _conformance.ts): single-flight, aborts, writes that win,
// stale-while-revalidate, the load status and ignoreLoadAbort.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import type { BoundedCache } from '../src/index.js';
import type { CacheFactory } from './_conformance.js';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The getOrLoad tests of the conformance suite; call inside its `describe`. */
export function loadConformance(create: CacheFactory): void {
  describe('getOrLoad', () => {
    it('returns a live value without calling the loader, and loads and stores a missing one', async () => {
      const cache = create<string, string>({ max: 10 });
      cache.set('hit', 'cached');
      let calls = 0;
      const loader = async (key: string) => {
        calls++;
        return `loaded ${key}`;
      };
      expect(await cache.getOrLoad('hit', loader)).toBe('cached');
      expect(await cache.getOrLoad('miss', loader)).toBe('loaded miss');
      expect(cache.get('miss')).toBe('loaded miss');
      expect(calls).toBe(1);
      const s = cache.stats();
      expect(s.loads).toBe(1);
      expect(s.hits).toBe(2);
      expect(s.misses).toBe(1);
    });

    it('single-flight: concurrent callers share one loader call', async () => {
      const cache = create<string, number>({ max: 10 });
      const d = deferred<number>();
      let calls = 0;
      const loader = () => {
        calls++;
        return d.promise;
      };
      const waits = [cache.getOrLoad('k', loader), cache.getOrLoad('k', loader), cache.getOrLoad('k', loader)];
      d.resolve(7);
      expect(await Promise.all(waits)).toEqual([7, 7, 7]);
      expect(calls).toBe(1);
      expect(cache.stats().loads).toBe(1);
    });

    it('a rejected load reaches every waiter and is not cached', async () => {
      const cache = create<string, number>({ max: 10 });
      const d = deferred<number>();
      const waits = [cache.getOrLoad('k', () => d.promise), cache.getOrLoad('k', () => d.promise)];
      const failure = new Error('backend down');
      d.reject(failure);
      for (const w of waits) await expect(w).rejects.toBe(failure);
      expect(cache.has('k')).toBe(false);
      expect(cache.stats().loadErrors).toBe(1);
      const thrown = cache.getOrLoad('sync', () => {
        throw failure;
      });
      await expect(thrown).rejects.toBe(failure);
      expect(await cache.getOrLoad('k', async () => 1)).toBe(1);
    });

    it('one waiter aborting does not abort the others; the loader is aborted when all have', async () => {
      const cache = create<string, number>({ max: 10 });
      const d = deferred<number>();
      let loaderSignal: AbortSignal | undefined;
      const loader = (_k: string, ctx: { signal: AbortSignal }) => {
        loaderSignal = ctx.signal;
        return d.promise;
      };
      const a = new AbortController();
      const b = new AbortController();
      const pa = cache.getOrLoad('k', loader, { signal: a.signal });
      const pb = cache.getOrLoad('k', loader, { signal: b.signal });
      a.abort(new Error('a gave up'));
      await expect(pa).rejects.toThrow('a gave up');
      expect(loaderSignal?.aborted).toBe(false);
      d.resolve(5);
      expect(await pb).toBe(5);
      expect(cache.get('k')).toBe(5);

      const d2 = deferred<number>();
      const c = new AbortController();
      const pc = cache.getOrLoad(
        'j',
        (_k, ctx) => {
          loaderSignal = ctx.signal;
          return d2.promise;
        },
        { signal: c.signal },
      );
      c.abort(new Error('c gave up'));
      await expect(pc).rejects.toThrow('c gave up');
      expect(loaderSignal?.aborted).toBe(true);
      d2.resolve(1);
      await Promise.resolve();
      expect(cache.has('j')).toBe(false);
      const already = new AbortController();
      already.abort(new Error('already'));
      await expect(cache.getOrLoad('x', async () => 1, { signal: already.signal })).rejects.toThrow('already');
    });

    it('regression: a loader that is not a function is a TypeError naming `loader`', () => {
      const cache = create<string, string>({ max: 10 });
      expect(() => cache.getOrLoad('k', 'x' as never)).toThrow(/`loader`/);
    });

    it('regression: a pre-aborted signal rejects without calling the loader, and nothing is stored', async () => {
      const cache = create<string, string>({ max: 10 });
      const already = new AbortController();
      already.abort(new Error('pre'));
      let calls = 0;
      await expect(
        cache.getOrLoad(
          'z',
          async () => {
            calls++;
            return 'v';
          },
          { signal: already.signal },
        ),
      ).rejects.toThrow('pre');
      await new Promise((r) => setImmediate(r));
      expect(calls).toBe(0);
      expect(cache.has('z')).toBe(false);
      expect(cache.stats().loads).toBe(0);
    });

    it('regression: a loader that ignores its aborted signal (every waiter gave up) is not cached', async () => {
      const cache = create<string, string>({ max: 10 });
      const d = deferred<string>();
      const ac = new AbortController();
      const p = cache.getOrLoad('y', () => d.promise, { signal: ac.signal });
      ac.abort(new Error('gave up'));
      await expect(p).rejects.toThrow('gave up');
      d.resolve('late');
      await new Promise((r) => setImmediate(r));
      expect(cache.has('y')).toBe(false);
    });

    it('set, delete and clear during a load win over its late result', async () => {
      const cache = create<string, string>({ max: 10 });
      for (const write of [
        (c: BoundedCache<string, string>) => c.set('k', 'new'),
        (c: BoundedCache<string, string>) => c.delete('k'),
        (c: BoundedCache<string, string>) => c.clear(),
      ]) {
        cache.clear();
        const d = deferred<string>();
        const p = cache.getOrLoad('k', () => d.promise);
        write(cache);
        const expected = cache.peek('k');
        d.resolve('old');
        expect(await p).toBe('old');
        expect(cache.peek('k')).toBe(expected);
      }
    });

    it('stores the loaded value with the given ttl', async () => {
      const clock = new ManualClock(0);
      const cache = create<string, number>({ max: 10, ttl: 1000, clock });
      await cache.getOrLoad('k', async () => 1, { ttl: 10 });
      expect(cache.remainingTtl('k')).toBe(10);
      expect(() => cache.getOrLoad('k', async () => 1, { ttl: -1 })).toThrow(RangeError);
    });

    it('staleWhileRevalidate answers with the stale value at once and stores the refresh when it arrives', async () => {
      const clock = new ManualClock(0);
      const cache = create<string, string>({ max: 10, ttl: 100, staleWhileRevalidate: 50, clock });
      cache.set('k', 'v1');
      clock.set(120);
      expect(cache.get('k')).toBeUndefined();
      const d = deferred<string>();
      let calls = 0;
      let stale: string | undefined;
      const loader = (_k: string, ctx: { staleValue: string | undefined }) => {
        calls++;
        stale = ctx.staleValue;
        return d.promise;
      };
      expect(await cache.getOrLoad('k', loader)).toBe('v1');
      expect(await cache.getOrLoad('k', loader)).toBe('v1');
      expect(calls).toBe(1);
      expect(stale).toBe('v1');
      d.resolve('v2');
      await d.promise;
      await Promise.resolve();
      expect(cache.get('k')).toBe('v2');
      expect(cache.remainingTtl('k')).toBe(100);
      clock.set(400);
      expect(await cache.getOrLoad('k', async () => 'v3')).toBe('v3');
    });

    it('a failed background refresh keeps the stale value and is counted, not thrown', async () => {
      const clock = new ManualClock(0);
      const cache = create<string, string>({ max: 10, ttl: 100, staleWhileRevalidate: 50, clock });
      cache.set('k', 'v1');
      clock.set(110);
      expect(await cache.getOrLoad('k', async () => Promise.reject(new Error('down')))).toBe('v1');
      await new Promise((r) => setImmediate(r));
      expect(cache.stats().loadErrors).toBe(1);
      expect(await cache.getOrLoad('k', async () => 'v2')).toBe('v1');
    });

    describe('getOrLoadWithStatus (issue 13: where the value came from)', () => {
      it('says hit, miss and stale, and resolves with the same values as getOrLoad', async () => {
        const clock = new ManualClock(0);
        const cache = create<string, string>({ max: 10, ttl: 100, staleWhileRevalidate: 50, clock });
        expect(await cache.getOrLoadWithStatus('k', async () => 'v1')).toEqual({ value: 'v1', status: 'miss' });
        expect(await cache.getOrLoadWithStatus('k', async () => 'never')).toEqual({ value: 'v1', status: 'hit' });
        clock.set(120);
        const d = deferred<string>();
        expect(await cache.getOrLoadWithStatus('k', () => d.promise)).toEqual({ value: 'v1', status: 'stale' });
        d.resolve('v2');
        await d.promise;
        await Promise.resolve();
        expect(await cache.getOrLoadWithStatus('k', async () => 'never')).toEqual({ value: 'v2', status: 'hit' });
        clock.set(1000);
        expect(await cache.getOrLoadWithStatus('k', async () => 'v3')).toEqual({ value: 'v3', status: 'miss' });
        expect(cache.stats()).toMatchObject({ hits: 3, misses: 2, loads: 3 });
      });

      it('regression (gateway demo x-cache under concurrency): callers that joined a load are misses, later ones hits', async () => {
        const cache = create<string, number>({ max: 10 });
        const d = deferred<number>();
        let calls = 0;
        const loader = () => {
          calls++;
          return d.promise;
        };
        const first = cache.getOrLoadWithStatus('k', loader);
        const joined = cache.getOrLoadWithStatus('k', loader, { signal: new AbortController().signal });
        // Diffing stats().hits around an await mislabelled these: other requests' hits land in between.
        cache.set('other', 1);
        cache.get('other');
        d.resolve(5);
        expect(await first).toEqual({ value: 5, status: 'miss' });
        expect(await joined).toEqual({ value: 5, status: 'miss' });
        expect(await cache.getOrLoadWithStatus('k', loader)).toEqual({ value: 5, status: 'hit' });
        expect(calls).toBe(1);
      });

      it('rejects like getOrLoad: a failed load, an aborted wait', async () => {
        const cache = create<string, number>({ max: 10 });
        const failure = new Error('down');
        await expect(cache.getOrLoadWithStatus('k', async () => Promise.reject(failure))).rejects.toBe(failure);
        const ac = new AbortController();
        const p = cache.getOrLoadWithStatus('j', () => deferred<number>().promise, { signal: ac.signal });
        ac.abort(new Error('gave up'));
        await expect(p).rejects.toThrow('gave up');
      });
    });

    describe('ignoreLoadAbort (lru-cache ignoreFetchAbort)', () => {
      it('keeps the load when every waiter aborted: the loader signal stays live, the result is stored, late callers join', async () => {
        const cache = create<string, number>({ max: 10, ignoreLoadAbort: true });
        const d = deferred<number>();
        let loaderSignal: AbortSignal | undefined;
        let calls = 0;
        const loader = (_k: string, ctx: { signal: AbortSignal }) => {
          calls++;
          loaderSignal = ctx.signal;
          return d.promise;
        };
        const ac = new AbortController();
        const p = cache.getOrLoad('k', loader, { signal: ac.signal });
        ac.abort(new Error('gave up'));
        await expect(p).rejects.toThrow('gave up');
        expect(loaderSignal?.aborted).toBe(false);
        const late = cache.getOrLoadWithStatus('k', loader);
        d.resolve(9);
        expect(await late).toEqual({ value: 9, status: 'miss' });
        expect(calls).toBe(1);
        expect(cache.get('k')).toBe(9);
      });

      it('a write made meanwhile still wins over the kept load', async () => {
        const cache = create<string, number>({ max: 10, ignoreLoadAbort: true });
        const d = deferred<number>();
        const ac = new AbortController();
        const p = cache.getOrLoad('k', () => d.promise, { signal: ac.signal });
        ac.abort(new Error('gave up'));
        await expect(p).rejects.toThrow('gave up');
        cache.set('k', 1);
        d.resolve(9);
        await d.promise;
        await Promise.resolve();
        expect(cache.get('k')).toBe(1);
      });
    });
  });
}
