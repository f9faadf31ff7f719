import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import {
  adaptiveThrottle,
  bulkhead,
  circuitBreaker,
  concurrencyBudget,
  fallback,
  hedge,
  pipeline,
  rateBudget,
  retry,
  timeout,
  wrap,
} from '../src/index.js';

type Case = [string, () => unknown, ErrorConstructor, RegExp];
const clock = new ManualClock();

const cases: Case[] = [
  // circuitBreaker
  ['breaker options not an object', () => circuitBreaker(5 as never), TypeError, /options/],
  ['breaker window', () => circuitBreaker({ window: 'count' as never }), TypeError, /window/],
  ['breaker window.type', () => circuitBreaker({ window: { type: 'sliding' } as never }), TypeError, /window\.type/],
  ['breaker window.size', () => circuitBreaker({ window: { type: 'count', size: 0 } }), RangeError, /window\.size/],
  ['breaker window.durationMs', () => circuitBreaker({ window: { type: 'time', durationMs: -1 } }), RangeError, /window\.durationMs/],
  [
    'breaker window.buckets',
    () => circuitBreaker({ window: { type: 'time', durationMs: 1_000, buckets: 1.5 } }),
    RangeError,
    /window\.buckets/,
  ],
  ['breaker window.failures', () => circuitBreaker({ window: { type: 'consecutive', failures: 0 } }), RangeError, /window\.failures/],
  ['breaker failureRatio', () => circuitBreaker({ failureRatio: 1.5 }), RangeError, /failureRatio/],
  ['breaker failureRatio 0', () => circuitBreaker({ failureRatio: 0 }), RangeError, /failureRatio/],
  ['breaker slowCallRatio', () => circuitBreaker({ slowCallRatio: Number.NaN }), RangeError, /slowCallRatio/],
  ['breaker slowCallMs', () => circuitBreaker({ slowCallMs: -5 }), RangeError, /slowCallMs/],
  ['breaker minimumThroughput', () => circuitBreaker({ minimumThroughput: 0 }), RangeError, /minimumThroughput/],
  [
    'breaker minimumThroughput > size',
    () => circuitBreaker({ minimumThroughput: 20, window: { type: 'count', size: 10 } }),
    RangeError,
    /minimumThroughput/,
  ],
  ['breaker breakDurationMs', () => circuitBreaker({ breakDurationMs: 0 }), RangeError, /breakDurationMs/],
  ['breaker breakBackoffFactor', () => circuitBreaker({ breakBackoffFactor: 0.5 }), RangeError, /breakBackoffFactor/],
  [
    'breaker maxBreakDurationMs',
    () => circuitBreaker({ breakDurationMs: 1_000, maxBreakDurationMs: 10 }),
    RangeError,
    /maxBreakDurationMs/,
  ],
  ['breaker breakJitter', () => circuitBreaker({ breakJitter: 2 }), RangeError, /breakJitter/],
  ['breaker halfOpen.calls', () => circuitBreaker({ halfOpen: { calls: 0 } }), RangeError, /halfOpen\.calls/],
  [
    'breaker halfOpen.trialTimeoutMs',
    () => circuitBreaker({ halfOpen: { trialTimeoutMs: Number.POSITIVE_INFINITY } }),
    RangeError,
    /halfOpen\.trialTimeoutMs/,
  ],
  ['breaker halfOpen.successRatio', () => circuitBreaker({ halfOpen: { successRatio: 0 } }), RangeError, /halfOpen\.successRatio/],
  ['breaker halfOpen unknown key', () => circuitBreaker({ halfOpen: { trials: 2 } as never }), TypeError, /trials/],
  ['breaker isFailure', () => circuitBreaker({ isFailure: 'yes' as never }), TypeError, /isFailure/],
  ['breaker clock', () => circuitBreaker({ clock: { now: () => 0 } as never }), TypeError, /clock/],
  ['breaker random', () => circuitBreaker({ random: 4 as never }), TypeError, /random/],
  // retry
  ['retry maxAttempts', () => retry({ maxAttempts: 0 }), RangeError, /maxAttempts/],
  ['retry maxAttempts fraction', () => retry({ maxAttempts: 2.5 }), RangeError, /maxAttempts/],
  ['retry backoff', () => retry({ backoff: 5 as never }), TypeError, /backoff/],
  ['retry backoff.baseMs', () => retry({ backoff: { baseMs: -1 } }), RangeError, /baseMs/],
  ['retry backoff unknown key', () => retry({ backoff: { base: 1 } as never }), TypeError, /base/],
  ['retry retryOn', () => retry({ retryOn: true as never }), TypeError, /retryOn/],
  ['retry retryAfter', () => retry({ retryAfter: 1 as never }), TypeError, /retryAfter/],
  ['retry maxRetryAfterMs', () => retry({ maxRetryAfterMs: -1 }), RangeError, /maxRetryAfterMs/],
  ['retry budget', () => retry({ budget: {} as never }), TypeError, /budget/],
  ['retry clock', () => retry({ clock: null as never }), TypeError, /clock/],
  ['retry random', () => retry({ random: 'r' as never }), TypeError, /random/],
  // budgets
  ['concurrencyBudget ratio', () => concurrencyBudget({ ratio: 2 }), RangeError, /ratio/],
  ['concurrencyBudget minConcurrency', () => concurrencyBudget({ minConcurrency: -1 }), RangeError, /minConcurrency/],
  ['rateBudget ttlMs', () => rateBudget({ ttlMs: 0 }), RangeError, /ttlMs/],
  ['rateBudget minPerSecond', () => rateBudget({ minPerSecond: -1 }), RangeError, /minPerSecond/],
  ['rateBudget percent', () => rateBudget({ percent: -0.1 }), RangeError, /percent/],
  ['rateBudget clock', () => rateBudget({ clock: {} as never }), TypeError, /clock/],
  // timeout
  ['timeout ms', () => timeout(0), RangeError, /timeoutMs/],
  ['timeout ms type', () => timeout('5' as never), TypeError, /timeoutMs/],
  ['timeout clock', () => timeout(5, { clock: {} as never }), TypeError, /clock/],
  // bulkhead
  ['bulkhead missing options', () => bulkhead(undefined as never), TypeError, /options/],
  ['bulkhead maxConcurrent', () => bulkhead({ maxConcurrent: 0 }), RangeError, /maxConcurrent/],
  ['bulkhead maxQueue', () => bulkhead({ maxConcurrent: 1, maxQueue: -1 }), RangeError, /maxQueue/],
  ['bulkhead queueTimeoutMs', () => bulkhead({ maxConcurrent: 1, queueTimeoutMs: 0 }), RangeError, /queueTimeoutMs/],
  ['bulkhead clock', () => bulkhead({ maxConcurrent: 1, clock: {} as never }), TypeError, /clock/],
  // hedge
  ['hedge delay', () => hedge({ delay: 'soon' as never }), TypeError, /delay/],
  ['hedge delay negative', () => hedge({ delay: -1 }), RangeError, /delay/],
  ['hedge delay.quantile', () => hedge({ delay: { quantile: 1.5, initialMs: 10 } }), RangeError, /delay\.quantile/],
  ['hedge delay.initialMs', () => hedge({ delay: { quantile: 0.9, initialMs: -1 } }), RangeError, /delay\.initialMs/],
  ['hedge delay.minSamples', () => hedge({ delay: { quantile: 0.9, initialMs: 1, minSamples: 0 } }), RangeError, /delay\.minSamples/],
  ['hedge maxHedges', () => hedge({ delay: 1, maxHedges: 0 }), RangeError, /maxHedges/],
  ['hedge budget', () => hedge({ delay: 1, budget: 3 as never }), TypeError, /budget/],
  ['hedge clock', () => hedge({ delay: 1, clock: 1 as never }), TypeError, /clock/],
  // fallback
  ['fallback substitute', () => fallback('x' as never), TypeError, /substitute/],
  ['fallback handles', () => fallback(() => 1, { handles: 1 as never }), TypeError, /handles/],
  // adaptive throttle
  ['throttle k', () => adaptiveThrottle({ k: 0.5 }), RangeError, /`k`/],
  ['throttle windowMs', () => adaptiveThrottle({ windowMs: 0 }), RangeError, /windowMs/],
  ['throttle buckets', () => adaptiveThrottle({ buckets: 0 }), RangeError, /buckets/],
  ['throttle isAccepted', () => adaptiveThrottle({ isAccepted: 1 as never }), TypeError, /isAccepted/],
  ['throttle clock', () => adaptiveThrottle({ clock: {} as never }), TypeError, /clock/],
  ['throttle random', () => adaptiveThrottle({ random: 1 as never }), TypeError, /random/],
  // composition
  ['wrap empty', () => wrap(), TypeError, /policies/],
  ['wrap foreign', () => wrap({ execute() {} } as never), TypeError, /policies\[0\]/],
  [
    'wrap duplicate',
    () => {
      const r = retry({ clock });
      return wrap(r, r);
    },
    TypeError,
    /once/,
  ],
];

describe('bad input fails at construction, naming the option', () => {
  it.each(cases)('%s', (_, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});

describe('unknown option keys are TypeErrors (assertOptions), with hints for peers’ names', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['circuitBreaker', () => circuitBreaker({ resetTimeout: 5 } as never), /resetTimeout.*breakDurationMs/],
    ['circuitBreaker (opossum)', () => circuitBreaker({ errorThresholdPercentage: 50 } as never), /failureRatio/],
    ['circuitBreaker (resilience4j)', () => circuitBreaker({ permittedNumberOfCallsInHalfOpenState: 3 } as never), /halfOpen\.calls/],
    ['circuitBreaker window', () => circuitBreaker({ window: { type: 'count', size: 5, extra: 1 } as never }), /extra/],
    ['retry', () => retry({ retries: 3 } as never), /retries.*maxAttempts/],
    ['timeout', () => timeout(5, { signal: 1 } as never), /signal/],
    ['bulkhead', () => bulkhead({ maxConcurrent: 1, concurrency: 2 } as never), /concurrency.*maxConcurrent/],
    ['hedge', () => hedge({ delay: 1, hedgingDelay: 5 } as never), /hedgingDelay/],
    ['fallback', () => fallback(() => 1, { when: 1 } as never), /when/],
    ['adaptiveThrottle', () => adaptiveThrottle({ K: 3 } as never), /use `k`/],
    ['concurrencyBudget', () => concurrencyBudget({ budgetPercent: 20 } as never), /ratio/],
    ['rateBudget', () => rateBudget({ percentCanRetry: 0.2 } as never), /percent/],
    ['pipeline', () => pipeline({ totalTimeout: timeout(5) } as never), /totalTimeout.*timeout/],
  ])('%s', (_, make, message) => {
    expect(make).toThrow(TypeError);
    expect(make).toThrow(message);
  });
});
