// Channels and stats() of the queue, checked against the README's monitoring tables.
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { join } from 'node:path';
import { Histogram, ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { readmeTableNames } from '../../../test/_readme-tables.js';
import { Queue } from '../src/index.js';
import { deferred, flush } from './_helpers.js';

const README = join(import.meta.dirname, '..', 'README.md');
const TRACE_EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

type Ctx = { priority: number; attempt: number; error?: unknown; result?: unknown };
function traceRuns(): Array<Ctx & { event: string }> {
  const seen: Array<Ctx & { event: string }> = [];
  const handlers = Object.fromEntries(TRACE_EVENTS.map((event) => [event, (ctx: Ctx) => seen.push({ event, ...ctx })])) as never;
  const tc = tracingChannel('scaling:queue:run');
  tc.subscribe(handlers);
  cleanups.push(() => tc.unsubscribe(handlers));
  return seen;
}

const conserved = (s: ReturnType<Queue['stats']>): number =>
  s.completed + s.failed + s.cancelled + s.cleared + s.size + s.pending + s.waitingForRoom + s.retrying;

describe('queue monitoring', () => {
  it('stats() has exactly the fields of the README table; histograms are copies', () => {
    const s = new Queue().stats() as unknown as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(readmeTableNames(README, '`stats()`').sort());
    for (const [k, v] of Object.entries(s)) {
      if (k.endsWith('Duration')) expect(v).toBeInstanceOf(Histogram);
      else expect(typeof v, k).toBe('number');
    }
  });

  it('publishes each documented discrete event on its channel with the queue as source', async () => {
    const names = readmeTableNames(README, 'Channels').filter((n) => n !== 'scaling:queue:run');
    expect(names).toEqual(['scaling:queue:failed', 'scaling:queue:retry', 'scaling:queue:full']);
    const seen: Array<[string, { source: unknown }]> = [];
    for (const name of names) {
      const fn = (m: unknown): void => void seen.push([name, m as { source: unknown }]);
      subscribe(name, fn);
      cleanups.push(() => unsubscribe(name, fn));
    }
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, maxQueued: 0, clock, retry: { attempts: 2, backoff: () => 1 } });
    const p = q.add(async () => Promise.reject(new Error('x'))).catch(() => {});
    expect(q.tryAdd(async () => 1)).toBeUndefined(); // full
    await flush();
    clock.advance(1);
    await flush();
    await p;
    expect(seen.map((s) => s[0])).toEqual(['scaling:queue:full', 'scaling:queue:retry', 'scaling:queue:failed']);
    expect(seen.every((s) => s[1].source === q)).toBe(true);
  });

  it('traces every attempt on scaling:queue:run: a success, a rejection, a synchronous throw, a retry', async () => {
    const seen = traceRuns();
    const q = new Queue({ concurrency: 1 });
    await expect(q.add(async () => 7, { priority: 3 })).resolves.toBe(7);
    expect(seen.map((s) => s.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(seen[0]).toMatchObject({ priority: 3, attempt: 1 });
    expect(seen[3]?.result).toBe(7);
    seen.length = 0;
    const boom = new Error('boom');
    await expect(q.add(async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(seen.map((s) => s.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(seen[2]?.error).toBe(boom);
    seen.length = 0;
    await expect(
      q.add(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(seen.map((s) => s.event)).toEqual(['start', 'error', 'end']);
    seen.length = 0;
    const r = new Queue({ retry: { attempts: 2, backoff: () => 0 } });
    let n = 0;
    await expect(r.add(async () => (++n === 1 ? Promise.reject(boom) : n))).resolves.toBe(2);
    expect(seen.filter((s) => s.event === 'start').map((s) => s.attempt)).toEqual([1, 2]);
    expect(r.stats()).toMatchObject({ added: 1, started: 2, retried: 1, completed: 1 });
  });

  it('records waitDuration and runDuration in ms with trackDurations, and nothing without it', async () => {
    const clock = new ManualClock();
    const q = new Queue({ concurrency: 1, clock, trackDurations: true });
    const a = deferred<number>();
    const b = deferred<number>();
    const pa = q.add(() => a.promise);
    const pb = q.add(() => b.promise);
    clock.advance(30);
    a.resolve(1);
    await pa;
    clock.advance(5);
    b.resolve(2);
    await pb;
    const s = q.stats();
    expect(s.waitDuration.count).toBe(2);
    expect(s.waitDuration.min).toBe(0);
    expect(s.waitDuration.max).toBe(30);
    expect(s.runDuration.count).toBe(2);
    expect([s.runDuration.min, s.runDuration.max]).toEqual([5, 30]);
    const off = new Queue({ clock });
    await off.add(async () => 1);
    expect(off.stats().runDuration.count + off.stats().waitDuration.count).toBe(0);
  });

  it('counters add up over random operations (added = completed + failed + cancelled + cleared + in the queue)', async () => {
    const op = fc.oneof(
      fc.constant({ op: 'ok' as const }),
      fc.constant({ op: 'fail' as const }),
      fc.constant({ op: 'hang' as const }),
      fc.constant({ op: 'try' as const }),
      fc.constant({ op: 'abort' as const }),
      fc.constant({ op: 'preAborted' as const }),
      fc.constant({ op: 'clear' as const }),
      fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.boolean(), async (ops, wait) => {
        const clock = new ManualClock();
        const q = new Queue({
          concurrency: 2,
          maxQueued: 3,
          whenFull: wait ? 'wait' : 'reject',
          timeoutMs: 20,
          retry: { attempts: 2, backoff: () => 5 },
          clock,
        });
        const controllers: AbortController[] = [];
        const ignore = (): void => {};
        for (const o of ops) {
          const c = new AbortController();
          controllers.push(c);
          if (o.op === 'ok') q.add(async () => 1, { signal: c.signal }).catch(ignore);
          else if (o.op === 'fail') q.add(async () => Promise.reject(new Error('x')), { signal: c.signal }).catch(ignore);
          else if (o.op === 'hang') q.add(() => new Promise(() => {}), { signal: c.signal }).catch(ignore);
          else if (o.op === 'try') q.tryAdd(async () => 1)?.catch(ignore);
          else if (o.op === 'abort') controllers[controllers.length >> 1]?.abort();
          else if (o.op === 'preAborted') {
            c.abort();
            q.add(async () => 1, { signal: c.signal }).catch(ignore);
          } else if (o.op === 'clear') q.clear();
          else clock.advance(o.ms);
          await flush();
          const s = q.stats();
          if (s.added !== conserved(s)) return false;
          if (s.started < s.completed || s.started > s.added + s.retried) return false;
        }
        return true;
      }),
      { numRuns: 40 },
    );
  });
});
