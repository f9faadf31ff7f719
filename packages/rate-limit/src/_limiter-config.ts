import { type Clock, systemClock } from '@scaling/core';
import { assertClock, assertNonNegativeInteger, assertOptions, assertPositiveFinite, describeValue } from '@scaling/core/internal';
import { Partition } from './_permit.js';
import { type AdaptiveLimit, AimdLimit, FixedLimit, Gradient2Limit, WindowedLimit } from './adaptive-limits.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { ConcurrencyLimiterOptions } from './concurrency-limiter-options.js';

const OPTION_KEYS = ['limit', 'partitions', 'maxQueued', 'queueTargetMs', 'queueIntervalMs', 'clock'];
const OPTION_HINTS = {
  concurrency: 'use `limit` (a number for a fixed limit)',
  maxConcurrent: 'use `limit`',
  timeout: 'use `queueIntervalMs` (the longest wait)',
  highWaterMark: 'use `maxQueued`',
};

/** {@link ConcurrencyLimiterOptions} checked, with defaults filled in. */
export interface LimiterConfig {
  clock: Clock;
  algorithm: AdaptiveLimit;
  partitions: Partition[];
  maxQueued: number;
  targetMs: number;
  intervalMs: number;
}

/**
 * Checks a {@link ConcurrencyLimiter}'s options and fills in the defaults.
 * @throws {TypeError}/{@link RangeError} on an unknown option or a bad value (naming it).
 */
export function resolveLimiterOptions(options: ConcurrencyLimiterOptions): LimiterConfig {
  const o = assertOptions('ConcurrencyLimiter options', options, OPTION_KEYS, OPTION_HINTS, true);
  const clock: Clock = o.clock ?? systemClock;
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  const limit = o.limit ?? 'gradient2';
  let algorithm: AdaptiveLimit;
  if (limit === 'gradient2') {
    algorithm = new WindowedLimit(new Gradient2Limit(), { minWindowMs: 100, maxWindowMs: 1000, now: () => clock.now() });
  } else if (limit === 'aimd') algorithm = new AimdLimit();
  else if (typeof limit === 'number') algorithm = new FixedLimit(limit);
  else if (typeof limit === 'object' && limit !== null && typeof (limit as AdaptiveLimit).update === 'function') algorithm = limit;
  else
    throw new TypeError(
      `Expected \`limit\` to be "gradient2", "aimd", a positive integer or an AdaptiveLimit, got ${describeValue(limit)}`,
    );
  const parts = o.partitions ?? { default: 1 };
  if (typeof parts !== 'object' || parts === null || Object.keys(parts).length === 0) {
    throw new TypeError(`Expected \`partitions\` to be a non-empty object of name → share, got ${describeValue(parts)}`);
  }
  let total = 0;
  const partitions = Object.entries(parts).map(([name, share]) => {
    if (typeof share !== 'number' || !(share > 0 && share <= 1)) {
      throw new RangeError(`Expected \`partitions.${name}\` to be a share in (0, 1], got ${describeValue(share)}`);
    }
    total += share;
    return new Partition(name, share);
  });
  if (total > 1 + 1e-9) throw new RangeError(`Expected the \`partitions\` shares to sum to at most 1, got ${total}`);
  const maxQueued = o.maxQueued ?? 1000;
  assertNonNegativeInteger('maxQueued', maxQueued);
  const targetMs = o.queueTargetMs ?? 5;
  const intervalMs = o.queueIntervalMs ?? 100;
  assertPositiveFinite('queueTargetMs', targetMs);
  assertPositiveFinite('queueIntervalMs', intervalMs);
  return { clock, algorithm, partitions, maxQueued, targetMs, intervalMs };
}
