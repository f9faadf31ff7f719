import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, retry, timeout, wrap } from '../src/index.js';

describe('deadline properties', () => {
  it('a call under a total timeout never settles later than its deadline plus one timer tick, whatever the attempts and backoff do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2_000 }),
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 1_500 }), ok: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 500 }),
        fc.boolean(),
        async (deadline, attempts, backoff, perAttempt) => {
          const clock = new ManualClock();
          const TICK = 1;
          const members = [
            timeout(deadline, { clock }),
            retry({ clock, maxAttempts: attempts.length, backoff: () => backoff, budget: false }),
          ];
          if (perAttempt) members.push(timeout(Math.max(1, Math.floor(deadline / 2)), { clock }));
          const policy = wrap(...members);
          let settledAt = -1;
          let outcome: unknown;
          policy
            .execute(({ attempt }) => {
              const a = attempts[attempt - 1] ?? { ms: 0, ok: false };
              return new Promise((resolve, reject) =>
                clock.setTimeout(() => (a.ok ? resolve(attempt) : reject(new Error(`a${attempt}`))), a.ms),
              );
            })
            .then(
              (v) => {
                settledAt = clock.now();
                outcome = v;
              },
              (e) => {
                settledAt = clock.now();
                outcome = e;
              },
            );
          // step in one-tick increments so a late settlement would be seen
          for (let t = 0; t <= deadline + 2 * TICK && settledAt < 0; t += TICK) await clock.advanceAsync(TICK);
          expect(settledAt).toBeGreaterThanOrEqual(0);
          expect(settledAt).toBeLessThanOrEqual(deadline + TICK);
          if (outcome instanceof DeadlineExceededError) expect(outcome.timeoutMs).toBeLessThanOrEqual(deadline);
          policy.dispose();
        },
      ),
      { numRuns: 40 },
    );
  });
});
