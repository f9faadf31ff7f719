/**
 * The four algorithms as pure arithmetic on a key's state (a few float64 words at an offset of a
 * `Float64Array`). `_lua.ts` is the same arithmetic in Lua, operation for operation, so the Redis store
 * decides exactly as the in-process one for the same sequence and times.
 *
 * A state of all zeros is a key never seen (or idle long enough to be forgotten), so a slot needs no
 * initialisation beyond zeroing and no timer ever runs per key.
 */
import type { CompiledRule } from './_rules.js';

/** Tolerance in ms for time comparisons (float rounding over accumulated emission intervals). */
export const EPS_MS = 1e-3;
/** Tolerance in cost units for count comparisons. */
export const EPS_N = 1e-6;

/**
 * Times in decisions are rounded up to whole microseconds, in both stores (the Lua scripts return integer
 * microseconds: no float formatting on the server).
 */
export function us(ms: number): number {
  return Math.ceil(ms * 1000) / 1000;
}

/** One rule's verdict (a reused scratch object). */
export class Verdict {
  allowed = false;
  remaining = 0;
  resetMs = 0;
  retryAfterMs = 0;
}

/**
 * Decides `cost` against the state at `s[o…]` at time `now`, without changing it.
 * GCRA after ITU-T I.371 (virtual scheduling); token bucket; sliding-window log; Cloudflare's sliding-window
 * counter ("How we built rate limiting capable of scaling to millions of domains", 2017).
 */
export function evaluate(c: CompiledRule, s: Float64Array, o: number, now: number, cost: number, out: Verdict): void {
  switch (c.code) {
    case 1: {
      const t = c.periodMs / c.limit;
      const dvt = c.burst * t;
      let tat = s[o] as number;
      if (tat < now) tat = now;
      const newTat = tat + cost * t;
      if (newTat - now <= dvt + EPS_MS) {
        out.allowed = true;
        out.remaining = Math.max(0, Math.floor((dvt - (newTat - now) + EPS_MS) / t));
        out.resetMs = us(newTat - now);
        out.retryAfterMs = 0;
      } else {
        out.allowed = false;
        out.remaining = Math.max(0, Math.floor((dvt - (tat - now) + EPS_MS) / t));
        out.resetMs = us(tat - now);
        out.retryAfterMs = us(newTat - dvt - now);
      }
      return;
    }
    case 2: {
      const rate = c.limit / c.periodMs;
      const tol = EPS_MS * rate;
      let d = s[o] as number;
      const elapsed = now - (s[o + 1] as number);
      if (elapsed > 0) d = Math.max(0, d - elapsed * rate);
      const newD = d + cost;
      if (newD <= c.burst + tol) {
        out.allowed = true;
        out.remaining = Math.max(0, Math.floor(c.burst - newD + tol));
        out.resetMs = us(newD / rate);
        out.retryAfterMs = 0;
      } else {
        out.allowed = false;
        out.remaining = Math.max(0, Math.floor(c.burst - d + tol));
        out.resetMs = us(d / rate);
        out.retryAfterMs = us((newD - c.burst) / rate);
      }
      return;
    }
    case 3: {
      const p = c.periodMs;
      const lim = c.limit;
      const count = s[o] as number;
      const head = s[o + 1] as number;
      const base = o + 2;
      const cutoff = now - p;
      let i = 0;
      while (i < count && (s[base + ((head + i) % lim)] as number) <= cutoff) i++;
      const live = count - i;
      const newest = count > 0 ? (s[base + ((head + count - 1) % lim)] as number) : 0;
      if (live + cost <= lim) {
        out.allowed = true;
        out.remaining = lim - live - cost;
        out.resetMs = us(cost > 0 ? p : live > 0 ? newest + p - now : 0);
        out.retryAfterMs = 0;
      } else {
        out.allowed = false;
        out.remaining = lim - live;
        out.resetMs = us(live > 0 ? newest + p - now : 0);
        const k = live + cost - lim;
        out.retryAfterMs = us((s[base + ((head + i + k - 1) % lim)] as number) + p - now);
      }
      return;
    }
    default: {
      const p = c.periodMs;
      const lim = c.limit;
      const w = Math.floor(now / p);
      const e = now - w * p;
      const sw = s[o] as number;
      let curr = s[o + 1] as number;
      let prev = s[o + 2] as number;
      if (sw !== w) {
        prev = sw === w - 1 ? curr : 0;
        curr = 0;
      }
      const est = (prev * (p - e)) / p + curr;
      if (est + cost <= lim + EPS_N) {
        out.allowed = true;
        out.remaining = Math.max(0, Math.floor(lim - est - cost + EPS_N));
        out.resetMs = us(curr + cost > 0 ? 2 * p - e : prev > 0 ? p - e : 0);
        out.retryAfterMs = 0;
      } else {
        out.allowed = false;
        out.remaining = Math.max(0, Math.floor(lim - est + EPS_N));
        out.resetMs = us(curr > 0 ? 2 * p - e : prev > 0 ? p - e : 0);
        if (curr + cost <= lim) out.retryAfterMs = us(Math.max(0, p * (1 - (lim - curr - cost) / prev) - e));
        else out.retryAfterMs = us(p - e + p * (1 - (lim - cost) / curr));
      }
      return;
    }
  }
}

/** Consumes `cost` from the state at `s[o…]` at time `now` (call only after {@link evaluate} allowed it). */
export function commit(c: CompiledRule, s: Float64Array, o: number, now: number, cost: number): void {
  switch (c.code) {
    case 1: {
      const t = c.periodMs / c.limit;
      const tat = s[o] as number;
      s[o] = Math.max(tat, now) + cost * t;
      return;
    }
    case 2: {
      const rate = c.limit / c.periodMs;
      let d = s[o] as number;
      const elapsed = now - (s[o + 1] as number);
      if (elapsed > 0) d = Math.max(0, d - elapsed * rate);
      s[o] = d + cost;
      if (elapsed > 0) s[o + 1] = now;
      return;
    }
    case 3: {
      const p = c.periodMs;
      const lim = c.limit;
      let count = s[o] as number;
      let head = s[o + 1] as number;
      const base = o + 2;
      const cutoff = now - p;
      while (count > 0 && (s[base + head] as number) <= cutoff) {
        head = (head + 1) % lim;
        count--;
      }
      for (let j = 0; j < cost; j++) s[base + ((head + count + j) % lim)] = now;
      s[o] = count + cost;
      s[o + 1] = head;
      return;
    }
    default: {
      const p = c.periodMs;
      const w = Math.floor(now / p);
      const sw = s[o] as number;
      if (sw !== w) {
        s[o + 2] = sw === w - 1 ? (s[o + 1] as number) : 0;
        s[o + 1] = 0;
        s[o] = w;
      }
      s[o + 1] = (s[o + 1] as number) + cost;
      return;
    }
  }
}

/** True when the state at `s[o…]` is back to "never seen" at `now` (forgetting the key changes nothing). */
export function isIdle(c: CompiledRule, s: Float64Array, o: number, now: number): boolean {
  switch (c.code) {
    case 1:
      return (s[o] as number) <= now;
    case 2:
      return (s[o] as number) - (now - (s[o + 1] as number)) * (c.limit / c.periodMs) <= 0;
    case 3: {
      const count = s[o] as number;
      if (count === 0) return true;
      const newest = s[o + 2 + (((s[o + 1] as number) + count - 1) % c.limit)] as number;
      return newest <= now - c.periodMs;
    }
    default:
      return (s[o] as number) < Math.floor(now / c.periodMs) - 1 || ((s[o + 1] as number) === 0 && (s[o + 2] as number) === 0);
  }
}
