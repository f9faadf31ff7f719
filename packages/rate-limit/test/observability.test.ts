// Issue 19: every documented channel fires, both stats() match their README tables, and the counters add up.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelSpy } from '../../../test/_channel-spy.js';
import { expectDocumented, readme, tableAfter } from '../../../test/_readme-tables.js';
import { AimdLimit, ConcurrencyLimiter, RateLimiter, type RedisCommand } from '../src/index.js';

const README = readme(import.meta.url);
const { seen, listen } = channelSpy();

describe('channels (README table)', () => {
  it('each documented channel fires with its payload plus source', async () => {
    const channels = tableAfter(README, '## Channels, stats and errors');
    expect(channels.sort()).toEqual(
      ['store-down', 'store-up', 'denied', 'limit-changed', 'shed'].map((e) => `scaling:rate-limit:${e}`).sort(),
    );
    for (const c of channels) listen(c);
    const clock = new ManualClock();
    let up = false;
    const client = ((): Promise<unknown> =>
      up ? Promise.resolve([1, 9, 100_000, 0, 1]) : Promise.reject(new Error('ECONNREFUSED'))) as RedisCommand;
    const limiter = new RateLimiter({ limits: { limit: 1, periodMs: 1000 }, clock, redis: { client, retryIntervalMs: 10 } });
    await limiter.limit('a'); // store-down, local fallback allows
    await limiter.limit('a'); // the fallback refuses: denied
    up = true;
    clock.advance(10);
    await limiter.limit('a'); // store-up
    const concurrency = new ConcurrencyLimiter({ limit: new AimdLimit({ initialLimit: 2, minLimit: 1 }), maxQueued: 0, clock });
    const leases = [await concurrency.acquire(), await concurrency.acquire()];
    await concurrency.acquire().catch(() => {}); // shed
    for (const l of leases) l.release({ ok: false, latencyMs: 1 }); // AIMD backs off: the limit moves
    for (const c of channels) expect(seen.get(c)?.length ?? 0, c).toBeGreaterThan(0);
    expect(seen.get('scaling:rate-limit:store-down')?.[0]).toMatchObject({ whenDown: 'local', source: limiter });
    expect(seen.get('scaling:rate-limit:store-up')?.[0]).toMatchObject({ downMs: 10, source: limiter });
    expect(seen.get('scaling:rate-limit:denied')?.[0]).toMatchObject({ key: 'a', cost: 1, source: limiter });
    expect(seen.get('scaling:rate-limit:shed')?.[0]).toEqual({ partition: 'default', reason: 'limit', source: concurrency });
    expect(seen.get('scaling:rate-limit:limit-changed')?.[0]).toMatchObject({ limit: 1, previous: 2, source: concurrency });
  });
});

describe('stats() (README tables) and counters', () => {
  it('RateLimiter: documented fields; allowed + denied = decisions; a snapshot is a copy', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ limits: { limit: 3, periodMs: 1000 }, clock });
    const s0 = limiter.stats();
    expectDocumented(README, '`RateLimiter.stats()`', s0);
    let decisions = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 400 })), { maxLength: 60 }), (steps) => {
        for (const [key, ms] of steps) {
          clock.advance(ms);
          limiter.limitSync(key);
          decisions++;
          const s = limiter.stats();
          expect(s.allowed + s.denied).toBe(decisions);
          expect(s.degraded).toBe(0);
          expect(s.storeDown).toBe(false);
        }
      }),
      { numRuns: 50 },
    );
    expect(s0.allowed).toBe(0);
  });

  it('ConcurrencyLimiter: documented fields; admitted = completed + inflight under any acquire/release/abort sequence', async () => {
    const clock = new ManualClock();
    const probe = new ConcurrencyLimiter({ limit: 1, partitions: { a: 0.5, b: 0.5 }, clock });
    expectDocumented(README, '`ConcurrencyLimiter.stats()`', probe.stats());
    type Op = 'acquire' | 'release' | 'abortable' | 'abort' | 'advance';
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Op>('acquire', 'release', 'abortable', 'abort', 'advance'), { maxLength: 50, size: 'medium' }),
        async (ops) => {
          const limiter = new ConcurrencyLimiter({ limit: 2, maxQueued: 2, queueTargetMs: 50, partitions: { a: 0.5, b: 0.5 }, clock });
          const held: { release(o?: object): void }[] = [];
          const controllers: AbortController[] = [];
          for (const op of ops) {
            if (op === 'acquire' || op === 'abortable') {
              const c = new AbortController();
              if (op === 'abortable') controllers.push(c);
              const partition = held.length % 2 === 0 ? 'a' : 'b';
              limiter.acquire(op === 'abortable' ? { signal: c.signal, partition } : { partition }).then(
                (l) => held.push(l),
                () => {},
              );
            } else if (op === 'release') held.shift()?.release({ ok: true, latencyMs: 5 });
            else if (op === 'abort') controllers.shift()?.abort(new Error('gone'));
            else clock.advance(60);
            await new Promise((r) => setImmediate(r));
            const s = limiter.stats();
            expect(s.admitted).toBe(s.completed + s.inflight);
            expect(s.inflight).toBe(held.length);
            const partitions = Object.values(s.partitions);
            expect(partitions.reduce((n, p) => n + p.queued, 0)).toBe(s.queued);
          }
          // releasing hands the slots to the waiters; release those too until none is left
          while (held.length > 0) {
            for (const l of held.splice(0)) l.release({});
            await new Promise((r) => setImmediate(r));
          }
          const end = limiter.stats();
          expect(end).toMatchObject({ inflight: 0, queued: 0 });
          expect(end.admitted).toBe(end.completed);
        },
      ),
      { numRuns: 60 },
    );
  });
});
