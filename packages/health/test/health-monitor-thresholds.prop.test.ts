import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthMonitor } from '../src/index.js';

describe('HealthMonitor thresholds (ManualClock)', () => {
  it('a check changes status only after `unhealthyThreshold` consecutive failures or `healthyThreshold` consecutive passes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('pass' as const, 'fail' as const),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        async (rise, fall, initialStatus, results) => {
          const clock = new ManualClock();
          let k = 0;
          const m = new HealthMonitor({
            clock,
            checks: [
              { name: 'c', intervalMs: 10, healthyThreshold: rise, unhealthyThreshold: fall, initialStatus, check: () => results[k++] },
            ],
          });
          const seen: boolean[] = [];
          const flips: Array<{ at: number; healthy: boolean }> = [];
          m.on('result', () => seen.push(results[seen.length] as boolean));
          m.on('change', (c) => flips.push({ at: seen.length, healthy: c.healthy }));
          m.start();
          await clock.advanceAsync(10 * (results.length - 1));
          m.stop();
          expect(seen).toEqual(results);
          let healthy = initialStatus === 'pass';
          for (const f of flips) {
            expect(f.healthy).toBe(!healthy);
            const need = f.healthy ? rise : fall;
            // the last `need` results before the flip all point the new way
            expect(seen.slice(f.at - need, f.at).every((r) => r === f.healthy)).toBe(true);
            healthy = f.healthy;
          }
          // and no streak of `need` opposite results went without a flip
          let streak = 0;
          let state = initialStatus === 'pass';
          for (const r of results) {
            streak = r === state ? 0 : streak + 1;
            if (streak === (state ? fall : rise)) {
              state = !state;
              streak = 0;
            }
          }
          expect(m.isHealthy('c')).toBe(state);
        },
      ),
    );
  });
});
