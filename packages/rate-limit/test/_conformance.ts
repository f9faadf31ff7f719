// The one conformance suite every store runs (in-process here, Redis in *.integration.test.ts): for every
// algorithm, random request sequences at random (virtual) times never let more through than the algorithm's
// definition allows over any window, a refusal consumes nothing, and `retryAfterMs` is exact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EPS_MS } from '../src/_algorithms.js';
import { type CompiledRule, compileRule } from '../src/_rules.js';
import type { Store } from '../src/_store.js';
import type { RateLimitAlgorithm, RateLimitDecision } from '../src/limits.js';

export const ALGORITHMS: RateLimitAlgorithm[] = ['gcra', 'token-bucket', 'sliding-window-log', 'sliding-window-counter'];

export interface Event {
  t: number;
  key: string;
  cost: number;
  d: RateLimitDecision;
}

/** The first window in which `events` (one key) break `c`'s definition, or undefined. */
export function violation(c: CompiledRule, events: readonly Event[]): string | undefined {
  const ok = events.filter((e) => e.d.allowed);
  const p = c.periodMs;
  switch (c.algorithm) {
    case 'gcra':
    case 'token-bucket': {
      const rate = c.limit / p;
      for (let i = 0; i < ok.length; i++) {
        let sum = 0;
        for (let j = i; j < ok.length; j++) {
          sum += (ok[j] as Event).cost;
          const span = (ok[j] as Event).t - (ok[i] as Event).t;
          if (sum > c.burst + rate * (span + 2 * EPS_MS) + 1e-9)
            return `${sum} units in [${(ok[i] as Event).t}, ${(ok[j] as Event).t}] > burst ${c.burst} + rate × span`;
        }
      }
      return undefined;
    }
    case 'sliding-window-log': {
      for (const e of ok) {
        const sum = ok.filter((x) => x.t > e.t - p && x.t <= e.t).reduce((n, x) => n + x.cost, 0);
        if (sum > c.limit) return `${sum} units in (${e.t - p}, ${e.t}] > limit ${c.limit}`;
      }
      return undefined;
    }
    default: {
      const win = (t: number) => Math.floor(t / p);
      for (const e of ok) {
        const w = win(e.t);
        const curr = ok.filter((x) => win(x.t) === w && x.t <= e.t).reduce((n, x) => n + x.cost, 0);
        const prev = ok.filter((x) => win(x.t) === w - 1).reduce((n, x) => n + x.cost, 0);
        if (curr > c.limit) return `${curr} units in fixed window ${w} > limit ${c.limit}`;
        const est = (prev * (p - (e.t - w * p))) / p + curr;
        if (est > c.limit + 1e-6) return `weighted count ${est} at ${e.t} > limit ${c.limit}`;
      }
      return undefined;
    }
  }
}

export type Op = { dt: number; key: string; cost: number; retry: boolean };

export const opArb: fc.Arbitrary<Op> = fc.record({
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 }), fc.double({ min: 0, max: 3, noNaN: true })),
  key: fc.constantFrom('a', 'b'),
  cost: fc.integer({ min: 0, max: 3 }),
  retry: fc.boolean(),
});

export function rulesArb(algorithm: RateLimitAlgorithm): fc.Arbitrary<CompiledRule[]> {
  const windowed = algorithm === 'sliding-window-log' || algorithm === 'sliding-window-counter';
  const one = fc
    .record({
      limit: fc.integer({ min: 3, max: 8 }),
      periodMs: fc.constantFrom(100, 250, 1000, 300.5),
      extra: fc.integer({ min: -2, max: 3 }),
    })
    .map(({ limit, periodMs, extra }) => ({ limit, periodMs, burst: windowed ? undefined : Math.max(3, limit + extra) }));
  return fc
    .array(one, { minLength: 1, maxLength: 2 })
    .map((rs) =>
      rs.map((r, i) =>
        compileRule(
          'limits',
          { limit: r.limit, periodMs: r.periodMs, ...(r.burst === undefined ? {} : { burst: r.burst }), name: `r${i}` },
          algorithm,
        ),
      ),
    );
}

/**
 * Runs `ops` against `store` from time `t0` and returns every decision. `retry` ops after a refusal of the same key
 * wait exactly `retryAfterMs` and repeat the refused request (checked to be allowed by the caller).
 */
export async function drive(store: Store, ops: readonly Op[], t0: number): Promise<{ events: Event[]; retries: Event[] }> {
  let t = t0;
  const events: Event[] = [];
  const retries: Event[] = [];
  let last: Event | undefined;
  for (const op of ops) {
    if (op.retry && last !== undefined && !last.d.allowed) {
      t += last.d.retryAfterMs;
      const d = await store.consume(last.key, last.cost, t);
      const e = { t, key: last.key, cost: last.cost, d };
      events.push(e);
      retries.push(e);
      last = e;
      continue;
    }
    t += op.dt;
    const d = await store.consume(op.key, op.cost, t);
    last = { t, key: op.key, cost: op.cost, d };
    events.push(last);
  }
  return { events, retries };
}

export function checkEvents(rules: readonly CompiledRule[], events: readonly Event[], retries: readonly Event[]): void {
  for (const e of events) {
    expect(Number.isInteger(e.d.remaining) && e.d.remaining >= 0).toBe(true);
    expect(e.d.resetMs).toBeGreaterThanOrEqual(0);
    if (e.d.allowed) expect(e.d.retryAfterMs).toBe(0);
    else expect(e.d.retryAfterMs).toBeGreaterThan(0);
  }
  for (const key of ['a', 'b']) {
    const mine = events.filter((e) => e.key === key);
    for (const c of rules) expect(violation(c, mine)).toBeUndefined();
  }
  for (const r of retries) expect(r.d.allowed).toBe(true);
}

/** The suite: `make(rules)` returns a fresh, empty store for those rules. */
export function storeConformance(name: string, make: (rules: CompiledRule[]) => Store | Promise<Store>, numRuns?: number): void {
  describe(`${name} store conformance`, () => {
    for (const algorithm of ALGORITHMS) {
      it(`${algorithm}: never more than the definition allows over any window, at any interleaving; retryAfterMs is exact`, async () => {
        await fc.assert(
          fc.asyncProperty(
            rulesArb(algorithm),
            fc.array(opArb, { maxLength: 60 }),
            fc.integer({ min: 0, max: 10_000 }),
            async (rules, ops, t0) => {
              const store = await make(rules);
              const { events, retries } = await drive(store, ops, 1_000_000 + t0);
              checkEvents(rules, events, retries);
            },
          ),
          numRuns === undefined ? {} : { numRuns },
        );
      });

      it(`${algorithm}: a full burst at one instant, then refusals until exactly retryAfterMs`, async () => {
        const rules = [compileRule('limits', { limit: 5, periodMs: 1000, name: 'five' }, algorithm)];
        const store = await make(rules);
        const t = 5_000_000;
        for (let i = 0; i < 5; i++) expect((await store.consume('k', 1, t)).allowed).toBe(true);
        const refused = await store.consume('k', 1, t);
        expect(refused).toMatchObject({ allowed: false, remaining: 0 });
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect((await store.consume('k', 1, t + refused.retryAfterMs - 1)).allowed).toBe(false);
        expect((await store.consume('k', 1, t + refused.retryAfterMs)).allowed).toBe(true);
      });

      it(`${algorithm}: reset(key) gives the key its full quota back, other keys untouched`, async () => {
        const rules = [compileRule('limits', { limit: 2, periodMs: 60_000, name: 'two' }, algorithm)];
        const store = await make(rules);
        const t = 7_000_000;
        await store.consume('x', 2, t);
        await store.consume('y', 2, t);
        expect((await store.consume('x', 1, t)).allowed).toBe(false);
        await store.reset('x');
        expect(await store.consume('x', 1, t)).toMatchObject({ allowed: true, remaining: 1 });
        expect((await store.consume('y', 1, t)).allowed).toBe(false);
      });

      it(`${algorithm}: several limits are all-or-nothing (a refusal by one consumes from none)`, async () => {
        const rules = [
          compileRule('limits[0]', { limit: 3, periodMs: 1000, name: 'second' }, algorithm),
          compileRule('limits[1]', { limit: 4, periodMs: 60_000, name: 'minute' }, algorithm),
        ];
        const store = await make(rules);
        const t = 9_000_000;
        expect(await store.consume('k', 3, t)).toMatchObject({ allowed: true, remaining: 0 });
        const refused = await store.consume('k', 1, t);
        expect(refused.allowed).toBe(false);
        // after the per-second limit recovers, the per-minute one (1 left) decides
        const later = await store.consume('k', 1, t + 2_000);
        expect(later).toMatchObject({ allowed: true, remaining: 0 });
        expect(later.rule.name).toBe('minute');
        const refused2 = await store.consume('k', 1, t + 2_000);
        expect(refused2.allowed).toBe(false);
        expect(refused2.rule.name).toBe('minute');
      });
    }
  });
}
