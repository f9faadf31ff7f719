// Issue 19: every documented channel fires, every stats() matches its README table, and the counters add up.
import { tracingChannel } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelSpy } from '../../../test/_channel-spy.js';
import { expectDocumented as expectStatsDoc, readme, tableAfter } from '../../../test/_readme-tables.js';
import {
  adaptiveThrottle,
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  concurrencyBudget,
  fallback,
  hedge,
  rateBudget,
  retry,
  timeout,
} from '../src/index.js';
import { never, track } from './_helpers.js';

const README = readme(import.meta.url);
const fail = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

/** Collects what each channel publishes while a test runs. */
const { seen, listen, cleanups } = channelSpy();

/** The documented fields of `heading`'s table equal the snapshot's paths, and each kind matches how adapters read it. */
function expectDocumented(heading: string, snapshot: object): void {
  expectStatsDoc(README, heading, snapshot);
}

describe('channels (README table)', () => {
  it('documents exactly the channels the policies publish on, and each one fires', async () => {
    const documented = tableAfter(README, '## Channels');
    const events = documented.filter((c) => !c.endsWith(':call'));
    for (const c of events) listen(c);
    const clock = new ManualClock();

    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 } });
    await breaker.execute(fail).catch(() => {});
    const r = retry({ maxAttempts: 2, backoff: () => 0, budget: false } as Parameters<typeof retry>[0]);
    await r.execute(fail).catch(() => {});
    const budgeted = retry({ maxAttempts: 3, backoff: () => 0, budget: concurrencyBudget({ ratio: 0, minConcurrency: 0 }) } as Parameters<
      typeof retry
    >[0]);
    await budgeted.execute(fail).catch(() => {});
    const t = timeout(10, { clock });
    const late = track(t.execute(() => never()));
    await clock.advanceAsync(10);
    expect(late.state).toBe('rejected');
    const b = bulkhead({ maxConcurrent: 1 });
    const holding = b.execute(() => never());
    await b.execute(ok).catch(() => {});
    void holding;
    const h = hedge({ clock, delay: 5, budget: false });
    const hedged = track(h.execute(({ hedge: k }) => (k === 0 ? never() : Promise.resolve(k))));
    await clock.advanceAsync(5);
    expect(hedged.value).toBe(1);
    await fallback(() => 'x').execute(fail);
    const throttle = adaptiveThrottle({ clock, random: () => 0 });
    for (let i = 0; i < 5; i++) await throttle.execute(fail).catch(() => {});

    for (const c of events) expect(seen.get(c)?.length ?? 0, c).toBeGreaterThan(0);
    expect(seen.get('scaling:resilience:breaker-state')?.[0]).toMatchObject({ from: 'closed', to: 'open', source: breaker });
    // and nothing else is published under the package's prefix by these policies: the table lists every event name
    expect(events.sort()).toEqual(
      ['breaker-state', 'retry', 'retry-budget-exhausted', 'timeout', 'bulkhead-rejected', 'hedge', 'fallback', 'throttled']
        .map((e) => `scaling:resilience:${e}`)
        .sort(),
    );
  });

  it('scaling:resilience:call traces a breaker call: start/end/asyncStart/asyncEnd, and error for a failure or a refusal', async () => {
    expect(tableAfter(README, '## Channels')).toContain('scaling:resilience:call');
    const ch = tracingChannel('scaling:resilience:call');
    const log: string[] = [];
    const handlers = {
      start: (c: unknown) => log.push(`start:${(c as { state: string }).state}`),
      end: () => log.push('end'),
      asyncStart: () => log.push('asyncStart'),
      asyncEnd: (c: unknown) => log.push(`asyncEnd:${String((c as { result?: unknown }).result)}`),
      error: (c: unknown) => log.push(`error:${((c as { error: Error }).error as Error).name}`),
    };
    ch.subscribe(handlers);
    cleanups.push(() => ch.unsubscribe(handlers));
    const breaker = circuitBreaker({ clock: new ManualClock(), window: { type: 'consecutive', failures: 1 } });
    await breaker.execute(ok);
    expect(log).toEqual(['start:closed', 'end', 'asyncStart', 'asyncEnd:ok']);
    log.length = 0;
    await breaker.execute(fail).catch(() => {});
    expect(log).toEqual(['start:closed', 'end', 'error:Error', 'asyncStart', 'asyncEnd:undefined']);
    log.length = 0;
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(log).toEqual(['start:open', 'end', 'error:BrokenCircuitError', 'asyncStart', 'asyncEnd:undefined']);
  });

  it('with nobody listening, a breaker call publishes nothing (the channel has no subscribers)', async () => {
    expect(tracingChannel('scaling:resilience:call').hasSubscribers).toBe(false);
    await circuitBreaker().execute(ok);
  });
});

describe('stats() shapes (README tables)', () => {
  it('every policy’s snapshot has exactly the documented fields, of the documented kinds', async () => {
    const clock = new ManualClock();
    expectDocumented('`CircuitBreaker.stats()`', circuitBreaker({ clock }).stats());
    expectDocumented('`Retry.stats()`', retry().stats());
    expectDocumented('`Timeout.stats()`', timeout(10, { clock }).stats());
    expectDocumented('`Bulkhead.stats()`', bulkhead({ maxConcurrent: 1 }).stats());
    expectDocumented('`Hedge.stats()`', hedge({ clock, delay: 5 }).stats());
    expectDocumented('`Fallback.stats()`', fallback(() => 1).stats());
    expectDocumented('`RetryBudget.stats()`', concurrencyBudget().stats());
    expectDocumented('`RetryBudget.stats()`', rateBudget({ clock }).stats());
    expectDocumented('`AdaptiveThrottle.stats()`', adaptiveThrottle({ clock }).stats());
  });

  it('a snapshot is a copy: later calls change neither its counters nor its histogram', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock(), recordCallDuration: true });
    await breaker.execute(ok);
    const before = breaker.stats();
    await breaker.execute(ok);
    expect(before.calls).toBe(1);
    expect(before.callDuration.count).toBe(1);
    expect(breaker.stats().callDuration.count).toBe(2);
  });

  it('callDuration records judged calls in ms by the clock (opt-in), and stays empty without recordCallDuration', async () => {
    const clock = new ManualClock();
    const timed = circuitBreaker({ clock, recordCallDuration: true });
    const call = track(timed.execute(() => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 40))));
    await clock.advanceAsync(40);
    expect(call.state).toBe('fulfilled');
    const lease = timed.acquire();
    lease.release({ ok: false, latencyMs: 7 });
    const h = timed.stats().callDuration;
    expect(h.count).toBe(2);
    expect(h.max).toBe(40);
    expect(h.min).toBe(7);
    const plain = circuitBreaker({ clock });
    await plain.execute(ok);
    expect(plain.stats().callDuration.count).toBe(0);
    expect(() => circuitBreaker({ recordCallDuration: 'yes' as never })).toThrow(/recordCallDuration/);
  });
});

type Op = 'ok' | 'fail' | 'cancel' | 'hang' | 'advance' | 'isolate' | 'reset' | 'settleHung';

describe('counters add up', () => {
  it('breaker: calls = admitted + rejected and admitted = successes + failures + cancelled + staleOutcomes + active, under any sequence', async () => {
    // weighted so that open → half-open → a hung trial that times out comes up often
    const op = fc.oneof(
      { arbitrary: fc.constantFrom<Op>('fail', 'hang', 'advance'), weight: 6 },
      { arbitrary: fc.constantFrom<Op>('ok', 'cancel', 'settleHung'), weight: 3 },
      { arbitrary: fc.constantFrom<Op>('isolate', 'reset'), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60, size: 'max' }), fc.integer({ min: 1, max: 3 }), async (ops, trials) => {
        const clock = new ManualClock();
        const breaker = circuitBreaker({
          clock,
          window: { type: 'consecutive', failures: 2 },
          breakDurationMs: 50,
          halfOpen: { calls: trials, trialTimeoutMs: 50 },
        });
        const hung: (() => void)[] = [];
        let started = 0;
        for (const o of ops) {
          if (o === 'advance') await clock.advanceAsync(60);
          else if (o === 'isolate') breaker.isolate();
          else if (o === 'reset') breaker.reset();
          else if (o === 'settleHung') hung.shift()?.();
          else {
            started++;
            try {
              const lease = breaker.acquire();
              if (o === 'ok') lease.release({ ok: true });
              else if (o === 'fail') lease.release({ ok: false });
              else if (o === 'cancel') lease.release({});
              else hung.push(() => lease.release({ ok: true }));
            } catch {
              // refused: counted as rejected
            }
          }
          const s = breaker.stats();
          expect(s.calls).toBe(started);
          expect(s.calls).toBe(s.admitted + s.rejected);
          expect(s.admitted).toBe(s.successes + s.failures + s.cancelled + s.staleOutcomes + s.active);
          expect(s.active).toBe(hung.length);
        }
        for (const settle of hung.splice(0)) settle();
        expect(breaker.stats().active).toBe(0);
        breaker.dispose();
      }),
      { numRuns: 150 },
    );
  });

  it('bulkhead: admitted = completed + active; timeout: calls = completed + timedOut + cancelled + pending', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const gates: (() => void)[] = [];
    const gate = (): Promise<void> => new Promise<void>((resolve) => gates.push(resolve));
    const runs = [0, 1, 2, 3].map(() => b.execute(gate).catch(() => 'refused'));
    let s = b.stats();
    expect(s).toMatchObject({ active: 2, queued: 1, rejected: 1, admitted: 2, completed: 0 });
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
    s = b.stats();
    expect(s.admitted).toBe(s.completed + s.active);
    expect(s).toMatchObject({ admitted: 3, completed: 1, queued: 0 });
    for (const g of gates.splice(0)) g();
    await Promise.all(runs);
    s = b.stats();
    expect(s).toMatchObject({ admitted: 3, completed: 3, active: 0 });

    const t = timeout(10, { clock });
    const calls: { state: string }[] = [
      track(t.execute(ok)),
      track(t.execute(() => never())),
      track(t.execute(() => new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 50)))),
    ];
    await clock.advanceAsync(10);
    const disposed = timeout(10, { clock });
    calls.push(track(disposed.execute(() => never())));
    expect(disposed.stats()).toMatchObject({ calls: 1, pending: 1 });
    disposed.dispose();
    await clock.advanceAsync(0);
    for (const ts of [t.stats(), disposed.stats()]) expect(ts.calls).toBe(ts.completed + ts.timedOut + ts.cancelled + ts.pending);
    expect(t.stats()).toMatchObject({ calls: 3, completed: 1, timedOut: 2, cancelled: 0, pending: 0 });
    expect(disposed.stats()).toMatchObject({ calls: 1, cancelled: 1, pending: 0 });
    expect(calls.every((p) => p.state !== 'pending')).toBe(true);
  });

  it('adaptive throttle: requests = accepts + throttled + backend rejections; retry: attempts = calls + retries', async () => {
    const clock = new ManualClock();
    let p = 0;
    const throttle = adaptiveThrottle({ clock, random: () => p });
    let rejectedByBackend = 0;
    for (let i = 0; i < 30; i++) {
      p = i % 2 === 0 ? 0 : 0.999;
      await throttle
        .execute(() => (i % 3 === 0 ? ok() : fail()))
        .catch((e: Error) => {
          if (e.message === 'boom') rejectedByBackend++;
        });
    }
    const s = throttle.stats();
    expect(s.requests).toBe(30);
    expect(s.requests).toBe(s.accepts + s.throttled + rejectedByBackend);
    expect(s.windowRequests).toBe(30);

    const r = retry({ maxAttempts: 3, backoff: () => 0, budget: false } as Parameters<typeof retry>[0]);
    let n = 0;
    for (let i = 0; i < 5; i++) await r.execute(() => (n++ % 2 === 0 ? fail() : ok())).catch(() => {});
    const rs = r.stats();
    expect(rs.attempts).toBe(rs.calls + rs.retries);
  });
});
