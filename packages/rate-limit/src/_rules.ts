import { assertOptions, assertPositiveFinite, assertPositiveInteger, describeValue } from '@scaling/core/internal';
import type { RateLimitAlgorithm, RateLimitRule } from './limits.js';

export const ALGORITHMS: readonly RateLimitAlgorithm[] = ['gcra', 'token-bucket', 'sliding-window-log', 'sliding-window-counter'];

/** Algorithm codes shared by the in-process store and the Lua script. */
export const ALGORITHM_CODE: Record<RateLimitAlgorithm, number> = {
  gcra: 1,
  'token-bucket': 2,
  'sliding-window-log': 3,
  'sliding-window-counter': 4,
};

/** Largest `limit` the sliding-window log accepts (it keeps one timestamp per unit per key). */
export const MAX_LOG_LIMIT = 100_000;

/** A checked rule with everything resolved. */
export interface CompiledRule {
  readonly rule: Readonly<Required<RateLimitRule>>;
  readonly algorithm: RateLimitAlgorithm;
  readonly code: number;
  readonly limit: number;
  readonly periodMs: number;
  /** Largest cost ever allowed (burst for GCRA/token bucket, limit for windows). */
  readonly burst: number;
  /** Float64 words of state per key. */
  readonly stride: number;
}

export function checkAlgorithm(name: string, value: unknown): RateLimitAlgorithm {
  if (!ALGORITHMS.includes(value as RateLimitAlgorithm)) {
    throw new TypeError(`Expected \`${name}\` to be one of ${ALGORITHMS.map((a) => `"${a}"`).join(', ')}, got ${describeValue(value)}`);
  }
  return value as RateLimitAlgorithm;
}

const RULE_KEYS = ['limit', 'periodMs', 'burst', 'name'];
const RULE_HINTS = {
  windowMs: 'use `periodMs`',
  duration: 'use `periodMs` (milliseconds)',
  points: 'use `limit`',
  max: 'use `limit`',
  timeWindow: 'use `periodMs`',
  interval: 'use `periodMs`',
};

export function compileRule(where: string, rule: RateLimitRule, algorithm: RateLimitAlgorithm): CompiledRule {
  assertOptions(where, rule, RULE_KEYS, RULE_HINTS);
  assertPositiveInteger(`${where}.limit`, rule.limit);
  assertPositiveFinite(`${where}.periodMs`, rule.periodMs);
  const windowed = algorithm === 'sliding-window-log' || algorithm === 'sliding-window-counter';
  if (rule.burst !== undefined) {
    assertPositiveInteger(`${where}.burst`, rule.burst);
    if (windowed) throw new TypeError(`\`${where}.burst\` applies to "gcra" and "token-bucket" only, not "${algorithm}"`);
  }
  if (rule.name !== undefined && (typeof rule.name !== 'string' || !/^[A-Za-z0-9_\-.:*/]+$/.test(rule.name))) {
    throw new TypeError(`Expected \`${where}.name\` to be a non-empty token (letters, digits, _-.:*/), got ${describeValue(rule.name)}`);
  }
  if (algorithm === 'sliding-window-log' && rule.limit > MAX_LOG_LIMIT) {
    throw new RangeError(
      `Expected \`${where}.limit\` to be at most ${MAX_LOG_LIMIT} with "sliding-window-log" (8 bytes per unit per key), got ${rule.limit}; use "sliding-window-counter" or "gcra"`,
    );
  }
  const burst = windowed ? rule.limit : (rule.burst ?? rule.limit);
  const resolved = Object.freeze({
    limit: rule.limit,
    periodMs: rule.periodMs,
    burst,
    name: rule.name ?? `${rule.limit}-per-${rule.periodMs}ms`,
  });
  const stride = algorithm === 'gcra' ? 1 : algorithm === 'token-bucket' ? 2 : algorithm === 'sliding-window-counter' ? 3 : rule.limit + 2;
  return { rule: resolved, algorithm, code: ALGORITHM_CODE[algorithm], limit: rule.limit, periodMs: rule.periodMs, burst, stride };
}

/** The same rule with its quota divided by `instances` (the in-process fallback when the shared store is down). */
export function divideRule(c: CompiledRule, instances: number): CompiledRule {
  const limit = Math.max(1, Math.floor(c.limit / instances));
  const burst = Math.max(1, Math.floor(c.burst / instances));
  const windowed = c.algorithm === 'sliding-window-log' || c.algorithm === 'sliding-window-counter';
  return compileRule(
    'fallback rule',
    windowed ? { limit, periodMs: c.periodMs, name: c.rule.name } : { limit, periodMs: c.periodMs, burst, name: c.rule.name },
    c.algorithm,
  );
}
