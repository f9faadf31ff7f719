// Regressions of the kinds reported against other health checkers (issue 7), each named after its kind
// and source. The SIGTERM and timer-leak kinds need a separate process: see regressions-process.test.ts.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type CheckRunResult, HealthMonitor } from '../src/index.js';

describe('regressions', () => {
  it('overlapping runs (HAProxy/Envoy: one check in flight per target): a 350 ms check on a 100 ms interval never runs twice at once, and a run past its timeout counts as one failure', async () => {
    const clock = new ManualClock();
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    const results: CheckRunResult[] = [];
    const m = new HealthMonitor({
      clock,
      checks: [
        {
          name: 'slow',
          intervalMs: 100,
          timeoutMs: 200,
          initialStatus: 'pass',
          unhealthyThreshold: 3,
          // ignores its abort signal on purpose: the next run must still wait for it to finish
          check: () => {
            started++;
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            return new Promise<void>((resolve) =>
              clock.setTimeout(() => {
                inFlight--;
                resolve();
              }, 350),
            );
          },
        },
      ],
    });
    m.on('result', (r) => results.push(r));
    m.start();
    await clock.advanceAsync(2_000);
    m.stop();
    expect(maxInFlight).toBe(1);
    // runs start at 0, 450, 900, 1350, 1800: each 350 ms run + 100 ms interval
    expect(started).toBe(5);
    // one failure per timed-out run (the fifth is still running at 2000 and times out at 2000)
    expect(results.length).toBe(5);
    expect(results.every((r) => r.status === 'fail' && r.timedOut)).toBe(true);
    expect(m.checkStatus('slow')).toBe('fail');
  });

  it('overlapping runs, aborted variant: a check that honours its signal is aborted at the timeout, and the next run follows one interval later', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    let aborts = 0;
    const m = new HealthMonitor({
      clock,
      checks: [
        {
          name: 'slow',
          intervalMs: 100,
          timeoutMs: 200,
          check: (signal) => {
            starts.push(clock.now());
            return new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                aborts++;
                reject(signal.reason);
              }),
            );
          },
        },
      ],
    }).start();
    await clock.advanceAsync(1_000);
    m.stop();
    expect(starts).toEqual([0, 300, 600, 900]);
    expect(aborts).toBe(4); // three timeouts and the stop()
  });

  it('flapping (HAProxy rise/fall, Envoy healthy/unhealthy_threshold): rise 2, fall 3 with F S F S F S then F F F: healthy through the alternation, unhealthy at the third failure, healthy after two passes', async () => {
    const clock = new ManualClock();
    const script = 'FSFSFSFFFSS';
    let k = 0;
    const m = new HealthMonitor({
      clock,
      checks: [
        {
          name: 'flappy',
          intervalMs: 10,
          initialStatus: 'pass',
          healthyThreshold: 2,
          unhealthyThreshold: 3,
          check: () => script[k++] === 'S',
        },
      ],
    });
    const after: boolean[] = [];
    m.on('result', () => after.push(m.isHealthy('flappy') as boolean));
    m.start();
    await clock.advanceAsync(10 * (script.length - 1));
    m.stop();
    expect(after).toHaveLength(script.length);
    //             F     S     F     S     F     S     F     F     F      S      S
    expect(after).toEqual([true, true, true, true, true, true, true, true, false, false, true]);
  });

  it('pool erosion (Envoy panic threshold reports): three targets taken down and brought back one at a time each return within interval × healthyThreshold; the pool never erodes', async () => {
    const clock = new ManualClock();
    const intervalMs = 100;
    const healthyThreshold = 2;
    const up = [true, true, true];
    const m = new HealthMonitor({
      clock,
      checks: up.map((_, i) => ({
        name: `target-${i}`,
        intervalMs,
        healthyThreshold,
        unhealthyThreshold: 3,
        initialStatus: 'pass' as const,
        check: () => up[i],
      })),
    });
    const healthyAt: Array<number | undefined> = [undefined, undefined, undefined];
    let minHealthy = 3;
    m.on('change', (c) => {
      const i = Number(c.name.slice('target-'.length));
      if (c.healthy) healthyAt[i] = clock.now();
      const healthyNow = m.checkNames.filter((n) => m.isHealthy(n)).length;
      minHealthy = Math.min(minHealthy, healthyNow);
    });
    m.start();
    await clock.advanceAsync(1_000);
    for (let i = 0; i < 3; i++) {
      up[i] = false;
      await clock.advanceAsync(intervalMs * 5);
      expect(m.isHealthy(`target-${i}`)).toBe(false);
      // bring it back at a time that is not aligned with the check schedule
      await clock.advanceAsync(37);
      up[i] = true;
      const backAt = clock.now();
      await clock.advanceAsync(intervalMs * healthyThreshold);
      expect(m.isHealthy(`target-${i}`)).toBe(true);
      expect((healthyAt[i] as number) - backAt).toBeLessThanOrEqual(intervalMs * healthyThreshold);
      await clock.advanceAsync(intervalMs * 3);
    }
    m.stop();
    expect(m.checkNames.every((n) => m.isHealthy(n))).toBe(true);
    expect(minHealthy).toBe(2); // only the target taken down was ever out
    expect(m.status).toBe('pass');
  });
});
