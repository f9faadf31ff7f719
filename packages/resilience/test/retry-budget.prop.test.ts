import { ManualClock, seededRandom } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concurrencyBudget, rateBudget, retry } from '../src/index.js';

/**
 * Runs `n` calls with staggered starts through a retry policy against a dependency that fails at random, and
 * checks the budget's bound with counters kept by the test itself (not the budget's own).
 */
describe('retry budget properties', () => {
  it('Envoy shape: a retry is only granted while active retries < max(min, ratio × active requests), at any concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        async (n, ratio, min, failRate, seed) => {
          const clock = new ManualClock();
          const random = seededRandom(seed);
          const policy = retry({
            clock,
            random,
            maxAttempts: 5,
            backoff: { baseMs: 5, maxMs: 20 },
            budget: concurrencyBudget({ ratio, minConcurrency: min }),
          });
          let activeRequests = 0;
          let activeRetries = 0;
          let violations = 0;
          // a retry is held from its grant (the retry event) to the end of its attempt
          policy.on('retry', () => {
            if (activeRetries + 1 > Math.max(min, ratio * activeRequests)) violations++;
            activeRetries++;
          });
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < n; i++) {
            clock.setTimeout(
              () => {
                activeRequests++;
                calls.push(
                  policy
                    .execute(({ attempt }) => {
                      const fails = random() < failRate;
                      const ms = 1 + Math.floor(random() * 30);
                      return new Promise((resolve, reject) =>
                        clock.setTimeout(() => {
                          if (attempt > 1) activeRetries--;
                          if (fails) reject(new Error('x'));
                          else resolve(attempt);
                        }, ms),
                      );
                    })
                    .catch(() => {})
                    .finally(() => activeRequests--),
                );
              },
              Math.floor(random() * 50),
            );
          }
          await clock.advanceAsync(2_000);
          await Promise.all(calls);
          expect(violations).toBe(0);
          expect(activeRequests).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('Finagle shape: retries within one ttl never exceed reserve + percent × requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer(),
        async (n, percent, minPerSecond, seed) => {
          const clock = new ManualClock();
          const random = seededRandom(seed);
          const policy = retry({
            clock,
            random,
            maxAttempts: 4,
            backoff: { baseMs: 5, maxMs: 20 },
            budget: rateBudget({ clock, ttlMs: 10_000, minPerSecond, percent }),
          });
          let retries = 0;
          policy.on('retry', () => void retries++);
          const calls: Promise<unknown>[] = [];
          for (let i = 0; i < n; i++) calls.push(policy.execute(() => Promise.reject(new Error('down'))).catch(() => {}));
          await clock.advanceAsync(1_000); // well inside one ttl
          await Promise.all(calls);
          expect(retries).toBeLessThanOrEqual(Math.floor(minPerSecond * 10 + percent * n + 1e-9));
        },
      ),
      { numRuns: 60 },
    );
  });
});
