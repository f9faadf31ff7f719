import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { adaptiveThrottle, fallback, ThrottledError } from '../src/index.js';

describe('fallback', () => {
  it('answers with the substitute when the call fails, only for handled errors', async () => {
    const policy = fallback((e) => `fallback for ${(e as Error).message}`, { handles: (e) => (e as Error).message !== 'fatal' });
    expect(await policy.execute(() => Promise.reject(new Error('boom')))).toBe('fallback for boom');
    await expect(policy.execute(() => Promise.reject(new Error('fatal')))).rejects.toThrow('fatal');
    expect(await policy.execute(() => 'fine')).toBe('fine');
    expect(policy.stats()).toEqual({ calls: 3, fallbacks: 1 });
  });

  it('never replaces the caller’s own abort', async () => {
    const policy = fallback(() => 'substitute');
    const c = new AbortController();
    const p = policy.execute(({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))), {
      signal: c.signal,
    });
    c.abort(new Error('caller'));
    await expect(p).rejects.toThrow('caller');
  });
});

describe('adaptive throttle (SRE client-side throttling)', () => {
  it('probability is max(0, (requests − K·accepts) / (requests + 1)), requests counted before the call and accepts after', async () => {
    const clock = new ManualClock();
    const t = adaptiveThrottle({ clock, k: 2, random: () => 0.999 });
    for (let i = 0; i < 10; i++) await t.execute(() => Promise.reject(new Error('overloaded'))).catch(() => {});
    // 10 requests, 0 accepts
    expect(t.probability).toBeCloseTo(10 / 11);
    for (let i = 0; i < 5; i++) await t.execute(() => 'ok');
    // 15 requests, 5 accepts: (15 − 10) / 16
    expect(t.probability).toBeCloseTo(5 / 16);
    expect(t.stats()).toMatchObject({ requests: 15, accepts: 5 });
  });

  it('rejects locally with ThrottledError (ERR_THROTTLED) at about that rate; the history ages out', async () => {
    const clock = new ManualClock();
    const t = adaptiveThrottle({ clock, random: seededRandom(5), windowMs: 10_000, buckets: 10 });
    for (let i = 0; i < 100; i++) {
      try {
        t.acquire().release({ ok: false });
      } catch {}
    }
    let throttled = 0;
    for (let i = 0; i < 1_000; i++) {
      try {
        t.acquire().release({ ok: false });
      } catch (e) {
        expect(e).toBeInstanceOf(ThrottledError);
        expect(e).toMatchObject({ code: 'ERR_THROTTLED' });
        throttled++;
      }
    }
    expect(throttled).toBeGreaterThan(900);
    clock.advance(11_000);
    expect(t.probability).toBe(0);
  });
});
