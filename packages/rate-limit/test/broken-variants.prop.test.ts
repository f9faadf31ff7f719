// The conformance checker must catch a store that breaks an algorithm's definition: a fixed window posing as a
// sliding-window log (the window-edge burst of express-rate-limit), and a GCRA that lets one more through.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decider } from '../src/_decide.js';
import { type CompiledRule, compileRule } from '../src/_rules.js';
import type { Store } from '../src/_store.js';
import { drive, opArb, rulesArb, violation } from './_conformance.js';

/** A fixed-window counter: `limit` per window [kP, (k+1)P) — allows 2 × limit across a window edge. */
function fixedWindow(rules: CompiledRule[]): Store {
  const c = rules[0] as CompiledRule;
  const counts = new Map<string, { w: number; n: number }>();
  return {
    kind: 'memory',
    decider: new Decider(rules),
    consume(key, cost, now = 0) {
      const w = Math.floor(now / c.periodMs);
      const s = counts.get(key) ?? { w, n: 0 };
      if (s.w !== w) Object.assign(s, { w, n: 0 });
      counts.set(key, s);
      const allowed = s.n + cost <= c.limit;
      if (allowed) s.n += cost;
      return {
        allowed,
        remaining: c.limit - s.n,
        resetMs: 0,
        retryAfterMs: allowed ? 0 : (w + 1) * c.periodMs - now,
        rule: c.rule,
        degraded: false,
      };
    },
    reset(key) {
      counts.delete(key);
    },
  };
}

/** GCRA with an off-by-one tolerance: one unit more than the burst. */
function leakyGcra(rules: CompiledRule[]): Store {
  const c = rules[0] as CompiledRule;
  const t = c.periodMs / c.limit;
  const tats = new Map<string, number>();
  return {
    kind: 'memory',
    decider: new Decider(rules),
    consume(key, cost, now = 0) {
      const tat = Math.max(tats.get(key) ?? 0, now);
      const next = tat + cost * t;
      const allowed = next - now <= (c.burst + 1) * t;
      if (allowed) tats.set(key, next);
      return {
        allowed,
        remaining: 0,
        resetMs: 0,
        retryAfterMs: allowed ? 0 : next - (c.burst + 1) * t - now,
        rule: c.rule,
        degraded: false,
      };
    },
    reset(key) {
      tats.delete(key);
    },
  };
}

async function findsViolation(make: (rules: CompiledRule[]) => Store, algorithm: 'sliding-window-log' | 'gcra'): Promise<boolean> {
  const r = await fc.check(
    fc.asyncProperty(rulesArb(algorithm), fc.array(opArb, { maxLength: 60 }), async (rules, ops) => {
      const one = [rules[0] as CompiledRule];
      const { events } = await drive(make(one), ops, 1_000_000);
      for (const key of ['a', 'b']) {
        if (
          violation(
            one[0] as CompiledRule,
            events.filter((e) => e.key === key),
          ) !== undefined
        )
          return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  return r.failed;
}

describe('the conformance checker catches broken stores', () => {
  it('a fixed window posing as a sliding-window log (window-edge burst)', async () => {
    expect(await findsViolation(fixedWindow, 'sliding-window-log')).toBe(true);
  });

  it('a GCRA that allows one unit beyond its burst', async () => {
    expect(await findsViolation(leakyGcra, 'gcra')).toBe(true);
  });

  it('the fixed window breaks the sliding log on the classic edge sequence', async () => {
    const rules = [compileRule('limits', { limit: 10, periodMs: 1000 }, 'sliding-window-log')];
    const { events } = await drive(
      fixedWindow(rules),
      [
        ...Array.from({ length: 10 }, (_, i) => ({ dt: i === 0 ? 999 : 0, key: 'a', cost: 1, retry: false })),
        ...Array.from({ length: 10 }, (_, i) => ({ dt: i === 0 ? 1 : 0, key: 'a', cost: 1, retry: false })),
      ],
      0,
    );
    expect(events.filter((e) => e.d.allowed)).toHaveLength(20);
    expect(violation(rules[0] as CompiledRule, events)).toMatch(/> limit 10/);
  });
});
