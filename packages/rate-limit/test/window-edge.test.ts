// Window-edge burst: a 10/s limit, requests clustered around a fixed-window boundary. A fixed window lets 20
// through within a few ms; GCRA lets at most limit + burst through in any 1 s span (11 with burst 1).
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/_memory-store.js';
import { compileRule } from '../src/_rules.js';
import type { RateLimitAlgorithm } from '../src/limits.js';

/** Requests every 1 ms from 900 ms to 1100 ms (around the 1 s boundary), then every 10 ms up to 3 s; allowed times. */
function hammer(algorithm: RateLimitAlgorithm, burst?: number): number[] {
  const clock = new ManualClock();
  const rule = compileRule('limits', { limit: 10, periodMs: 1000, ...(burst === undefined ? {} : { burst }) }, algorithm);
  const store = new MemoryStore([rule], 10, clock);
  const allowed: number[] = [];
  const times: number[] = [];
  for (let t = 0; t < 900; t += 50) times.push(t);
  for (let t = 900; t <= 1100; t++) times.push(t);
  for (let t = 1110; t <= 3000; t += 10) times.push(t);
  for (const t of times) if (store.consume('client', 1, t).allowed) allowed.push(t);
  return allowed;
}

function maxInAnySpan(times: number[], span: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] as number) - (times[i] as number) > span) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

describe('window-edge burst (10 per second)', () => {
  it('GCRA with burst 1 lets at most limit + burst = 11 through in any 1 s span', () => {
    expect(maxInAnySpan(hammer('gcra', 1), 1000)).toBeLessThanOrEqual(11);
  });

  it('GCRA with the default burst (= limit) lets at most limit + burst = 20 through in any 1 s span, and at most 10 + 10 × span', () => {
    const allowed = hammer('gcra');
    expect(maxInAnySpan(allowed, 1000)).toBeLessThanOrEqual(20);
    for (const span of [100, 250, 500, 2000]) expect(maxInAnySpan(allowed, span)).toBeLessThanOrEqual(10 + Math.floor(span / 100) + 1);
  });

  it('the sliding-window log never lets more than 10 through in any window (t − 1 s, t]', () => {
    expect(maxInAnySpan(hammer('sliding-window-log'), 999.999)).toBeLessThanOrEqual(10);
  });

  it('a fixed window (for comparison) lets 20 through within 200 ms of the edge', () => {
    const allowed: number[] = [];
    const counts = new Map<number, number>();
    for (let t = 900; t <= 1100; t++) {
      const w = Math.floor(t / 1000);
      const n = counts.get(w) ?? 0;
      if (n < 10) {
        counts.set(w, n + 1);
        allowed.push(t);
      }
    }
    expect(maxInAnySpan(allowed, 200)).toBe(20);
  });
});
