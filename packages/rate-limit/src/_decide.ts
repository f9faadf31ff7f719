import { commit, evaluate, Verdict } from './_algorithms.js';
import type { CompiledRule } from './_rules.js';
import type { RateLimitDecision } from './limits.js';

/**
 * Runs every rule on one key's state (stride words per rule, in order) and combines the verdicts: allowed only
 * when every rule allows (then each consumes `cost`), otherwise nothing is consumed. The combined decision
 * reports the fewest remaining units; its `rule` is the one with the fewest remaining when allowed, or the one
 * refusing longest when refused. `_lua.ts` combines the same way.
 */
export class Decider {
  readonly rules: readonly CompiledRule[];
  readonly stride: number;
  readonly #verdicts: Verdict[];

  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules;
    this.stride = rules.reduce((n, r) => n + r.stride, 0);
    this.#verdicts = rules.map(() => new Verdict());
  }

  decide(s: Float64Array, o: number, now: number, cost: number): RateLimitDecision {
    const rules = this.rules;
    const vs = this.#verdicts;
    if (rules.length === 1) {
      const r = rules[0] as CompiledRule;
      const v = vs[0] as Verdict;
      evaluate(r, s, o, now, cost, v);
      if (v.allowed) commit(r, s, o, now, cost);
      return {
        allowed: v.allowed,
        remaining: v.remaining,
        resetMs: v.resetMs,
        retryAfterMs: v.retryAfterMs,
        rule: r.rule,
        degraded: false,
      };
    }
    let allowed = true;
    let off = o;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i] as CompiledRule;
      const v = vs[i] as Verdict;
      evaluate(r, s, off, now, cost, v);
      if (!v.allowed) allowed = false;
      off += r.stride;
    }
    return this.#combine(allowed, s, o, now, cost);
  }

  #combine(allowed: boolean, s: Float64Array, o: number, now: number, cost: number): RateLimitDecision {
    const rules = this.rules;
    const vs = this.#verdicts;
    let pick = -1;
    let remaining = Number.POSITIVE_INFINITY;
    let off = o;
    for (let i = 0; i < rules.length; i++) {
      const v = vs[i] as Verdict;
      if (v.remaining < remaining) remaining = v.remaining;
      if (allowed) {
        commit(rules[i] as CompiledRule, s, off, now, cost);
        off += (rules[i] as CompiledRule).stride;
        if (pick < 0 || v.remaining < (vs[pick] as Verdict).remaining) pick = i;
      } else if (!v.allowed && (pick < 0 || v.retryAfterMs > (vs[pick] as Verdict).retryAfterMs)) {
        pick = i;
      }
    }
    const p = vs[pick] as Verdict;
    return {
      allowed,
      remaining,
      resetMs: p.resetMs,
      retryAfterMs: allowed ? 0 : p.retryAfterMs,
      rule: (rules[pick] as CompiledRule).rule,
      degraded: false,
    };
  }
}
