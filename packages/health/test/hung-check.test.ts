// Usertest defect (health2): a check that ignores its AbortSignal and never settles must keep being
// evaluated, turn unhealthy after `unhealthyThreshold` failures, and never run twice at once.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type CheckRunResult, HealthMonitor } from '../src/index.js';

function hangingMonitor() {
  const clock = new ManualClock();
  let runs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let hang = false;
  let settle: (() => void) | undefined;
  const results: CheckRunResult[] = [];
  const m = new HealthMonitor({
    clock,
    checks: [
      {
        name: 'db',
        intervalMs: 1000,
        timeoutMs: 500,
        healthyThreshold: 1,
        unhealthyThreshold: 3,
        check: () => {
          runs++;
          if (!hang) return true;
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          // ignores its signal and never settles until `settle` is called
          return new Promise<void>((resolve) => {
            settle = () => {
              inFlight--;
              resolve();
            };
          });
        },
      },
    ],
  });
  m.on('result', (r) => results.push(r));
  return {
    clock,
    m,
    results,
    get runs() {
      return runs;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    startHanging: () => {
      hang = true;
    },
    stopHanging: () => {
      hang = false;
      settle?.();
    },
  };
}

describe('hung check', () => {
  it('a check that never settles turns fail after unhealthyThreshold failures and never runs twice at once (usertest health2)', async () => {
    const h = hangingMonitor();
    h.m.start();
    await h.clock.advanceAsync(3000);
    expect(h.m.checkStatus('db')).toBe('pass');
    const runsBefore = h.runs;
    h.startHanging();
    await h.clock.advanceAsync(600_000);
    expect(h.m.checkStatus('db')).toBe('fail');
    expect(h.m.status).toBe('fail');
    expect(h.runs).toBe(runsBefore + 1); // the hung run blocks every other run
    expect(h.maxInFlight).toBe(1);
    expect(h.clock.pendingTimers).toBeGreaterThan(0); // still being evaluated
    h.m.stop();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('the hung run counts once at its deadline, then once per interval + timeout it stays outstanding', async () => {
    const h = hangingMonitor();
    h.m.start();
    await h.clock.advanceAsync(3000); // runs at 0, 1000, 2000, 3000
    h.startHanging();
    await h.clock.advanceAsync(1000); // hung run starts at 4000
    const from = h.results.length;
    const failures: number[] = [];
    h.m.on('result', (r) => {
      if (r.status === 'fail' && r.timedOut) failures.push(h.clock.now());
    });
    await h.clock.advanceAsync(4000);
    expect(h.results.length - from).toBe(3);
    expect(failures).toEqual([4500, 6000, 7500]);
    h.m.stop();
  });

  it('a new run starts as soon as a hung run that was charged extra failures settles, and the check can recover', async () => {
    const h = hangingMonitor();
    h.m.start();
    await h.clock.advanceAsync(3000);
    h.startHanging();
    await h.clock.advanceAsync(10_000);
    expect(h.m.checkStatus('db')).toBe('fail');
    const runs = h.runs;
    h.stopHanging();
    await h.clock.advanceAsync(0);
    expect(h.runs).toBe(runs + 1);
    expect(h.m.checkStatus('db')).toBe('pass');
    h.m.stop();
  });
});
