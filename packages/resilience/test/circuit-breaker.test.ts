import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, circuitBreaker, IsolatedCircuitError, PolicyDisposedError } from '../src/index.js';

const fail = (): Promise<never> => Promise.reject(new Error('boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

describe('circuit breaker', () => {
  it('count window: judges only the last `size` calls', async () => {
    const breaker = circuitBreaker({
      window: { type: 'count', size: 4 },
      minimumThroughput: 4,
      failureRatio: 0.75,
      clock: new ManualClock(),
    });
    for (const f of [fail, fail, ok, ok, ok, fail, fail]) await breaker.execute(f).catch(() => {});
    // window now [ok, ok, fail, fail]: 50 % < 75 %
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => {});
    // [ok, fail, fail, fail]: 75 %
    expect(breaker.state).toBe('open');
  });

  it('time window: failures older than the window no longer count', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'time', durationMs: 1_000, buckets: 10 },
      minimumThroughput: 3,
      failureRatio: 0.6,
    });
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    clock.advance(1_100);
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(ok);
    await breaker.execute(ok);
    expect(breaker.state).toBe('closed'); // 1 of 3 in the window
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('open'); // 3 of 5
  });

  it('slow-call ratio opens a breaker whose calls all succeed slowly', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      slowCallMs: 100,
      slowCallRatio: 0.5,
      minimumThroughput: 2,
      window: { type: 'count', size: 10 },
    });
    const slow = (): Promise<string> => new Promise((resolve) => clock.setTimeout(() => resolve('late'), 150));
    const a = breaker.execute(slow);
    await clock.advanceAsync(150);
    await a;
    expect(breaker.state).toBe('closed');
    const b = breaker.execute(slow);
    await clock.advanceAsync(150);
    await b;
    expect(breaker.state).toBe('open');
    expect(breaker.stats().slowCalls).toBe(2);
  });

  it('lease outcomes feed the same window: latencyMs from the outcome, {} is no outcome', () => {
    const breaker = circuitBreaker({ slowCallMs: 100, minimumThroughput: 2, window: { type: 'count', size: 2 }, clock: new ManualClock() });
    breaker.acquire().release({});
    breaker.acquire().release({ ok: true, latencyMs: 500 });
    expect(breaker.state).toBe('closed');
    const l = breaker.acquire();
    l.release({ ok: true, latencyMs: 500 });
    l.release({ ok: false }); // idempotent
    expect(breaker.state).toBe('open');
    expect(breaker.stats()).toMatchObject({ successes: 2, failures: 0, slowCalls: 2 });
  });

  it('consecutive mode: N failures in a row open, a success resets the count', async () => {
    const breaker = circuitBreaker({ window: { type: 'consecutive', failures: 3 }, clock: new ManualClock() });
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(ok);
    await breaker.execute(fail).catch(() => {});
    await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('break duration backs off exponentially between successive openings, capped, and resets on close', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'consecutive', failures: 1 },
      breakDurationMs: 100,
      breakBackoffFactor: 3,
      maxBreakDurationMs: 500,
    });
    const breaks: number[] = [];
    breaker.on('breaker-state', (e) => e.breakMs !== undefined && breaks.push(e.breakMs));
    await breaker.execute(fail).catch(() => {});
    for (const ms of [100, 300, 500]) {
      clock.advance(ms);
      await breaker.execute(fail).catch(() => {});
    }
    clock.advance(500);
    await breaker.execute(ok);
    await breaker.execute(fail).catch(() => {});
    expect(breaks).toEqual([100, 300, 500, 500, 100]);
  });

  it('break jitter shortens breaks by up to the fraction, reproducibly with a seeded random source', async () => {
    const run = async (): Promise<number[]> => {
      const breaker = circuitBreaker({
        window: { type: 'consecutive', failures: 1 },
        breakDurationMs: 1_000,
        breakJitter: 0.5,
        random: seededRandom(3),
        clock: new ManualClock(),
      });
      const breaks: number[] = [];
      breaker.on('breaker-state', (e) => e.breakMs !== undefined && breaks.push(e.breakMs));
      await breaker.execute(fail).catch(() => {});
      return breaks;
    };
    const [a] = await run();
    expect(a).toBeGreaterThanOrEqual(500);
    expect(a).toBeLessThanOrEqual(1_000);
    expect(await run()).toEqual([a]);
  });

  it('state is read from the clock without a transition; the half-open event comes from the timer even with no call', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 }, breakDurationMs: 100 });
    const events: string[] = [];
    breaker.on('breaker-state', (e) => events.push(`${e.from}→${e.to}`));
    await breaker.execute(fail).catch(() => {});
    expect(events).toEqual(['closed→open']);
    clock.advance(100);
    expect(breaker.state).toBe('half-open');
    expect(events).toEqual(['closed→open', 'open→half-open']);
  });

  it('the epoch rule: a call admitted before the breaker opened cannot change the later state', () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 }, breakDurationMs: 100, halfOpen: { calls: 1 } });
    const old = breaker.acquire();
    breaker.acquire().release({ ok: false });
    clock.advance(100);
    const trial = breaker.acquire();
    old.release({ ok: true }); // from the closed epoch: ignored
    expect(breaker.state).toBe('half-open');
    expect(breaker.stats().staleOutcomes).toBe(1);
    trial.release({ ok: true });
    expect(breaker.state).toBe('closed');
  });

  it('half-open success ratio: closes once enough trials succeeded, re-opens as soon as the ratio is out of reach', () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      clock,
      window: { type: 'consecutive', failures: 1 },
      breakDurationMs: 10,
      halfOpen: { calls: 4, successRatio: 0.5 },
    });
    breaker.acquire().release({ ok: false });
    clock.advance(10);
    const t = [breaker.acquire(), breaker.acquire(), breaker.acquire(), breaker.acquire()];
    t[0]?.release({ ok: false });
    t[1]?.release({ ok: true });
    expect(breaker.state).toBe('half-open');
    t[2]?.release({ ok: true });
    expect(breaker.state).toBe('closed');
    breaker.acquire().release({ ok: false });
    clock.advance(10);
    const u = [breaker.acquire(), breaker.acquire(), breaker.acquire(), breaker.acquire()];
    u[0]?.release({ ok: false });
    u[1]?.release({ ok: false });
    expect(breaker.state).toBe('half-open');
    u[2]?.release({ ok: false });
    expect(breaker.state).toBe('open');
  });

  it('a cancelled trial (no outcome) gives its slot back', () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 }, breakDurationMs: 10, halfOpen: { calls: 1 } });
    breaker.acquire().release({ ok: false });
    clock.advance(10);
    const t = breaker.acquire();
    expect(() => breaker.acquire()).toThrow(BrokenCircuitError);
    t.release();
    expect(() => breaker.acquire()).not.toThrow();
  });

  it('a call cut short by the caller’s abort is no outcome', async () => {
    const breaker = circuitBreaker({ window: { type: 'consecutive', failures: 1 }, clock: new ManualClock() });
    const c = new AbortController();
    const p = breaker.execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      { signal: c.signal },
    );
    c.abort();
    await expect(p).rejects.toThrow();
    expect(breaker.state).toBe('closed');
  });

  it('isFailure decides which errors count', async () => {
    const breaker = circuitBreaker({
      window: { type: 'consecutive', failures: 1 },
      isFailure: (e) => (e as Error).message !== 'not found',
      clock: new ManualClock(),
    });
    await breaker.execute(() => Promise.reject(new Error('not found'))).catch(() => {});
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('isolate holds it open until reset; errors carry codes', async () => {
    const breaker = circuitBreaker({ clock: new ManualClock() });
    breaker.isolate();
    expect(breaker.state).toBe('isolated');
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(IsolatedCircuitError);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ code: 'ERR_CIRCUIT_ISOLATED', name: 'IsolatedCircuitError' });
    breaker.reset();
    expect(await breaker.execute(ok)).toBe('ok');
    expect(breaker.stats().rejected).toBe(2);
  });

  it('an open breaker fails fast with ERR_CIRCUIT_OPEN and retryAfterMs', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 }, breakDurationMs: 1_000 });
    await breaker.execute(fail).catch(() => {});
    clock.advance(250);
    const e = await breaker.execute(ok).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BrokenCircuitError);
    expect(e).toMatchObject({ code: 'ERR_CIRCUIT_OPEN', name: 'BrokenCircuitError', retryAfterMs: 750, state: 'open' });
  });

  it('publishes state changes on diagnostics_channel scaling:resilience:breaker-state', async () => {
    const seen: unknown[] = [];
    const listener = (m: unknown): void => void seen.push(m);
    subscribe('scaling:resilience:breaker-state', listener);
    try {
      const breaker = circuitBreaker({ window: { type: 'consecutive', failures: 1 }, clock: new ManualClock() });
      await breaker.execute(fail).catch(() => {});
      expect(seen).toEqual([expect.objectContaining({ from: 'closed', to: 'open', reason: 'consecutive-failures', source: breaker })]);
    } finally {
      unsubscribe('scaling:resilience:breaker-state', listener);
    }
  });

  it('dispose stops its timers; later use throws PolicyDisposedError (ERR_POLICY_DISPOSED)', async () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({ clock, window: { type: 'consecutive', failures: 1 } });
    await breaker.execute(fail).catch(() => {});
    expect(clock.pendingTimers).toBe(1);
    breaker.dispose();
    breaker.dispose();
    expect(clock.pendingTimers).toBe(0);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(PolicyDisposedError);
    expect(() => breaker.acquire()).toThrow(expect.objectContaining({ code: 'ERR_POLICY_DISPOSED' }));
    expect(() => breaker.isolate()).toThrow(PolicyDisposedError);
  });
});
