// Usertest defects (health1, health3): bad inputs must fail loudly and clearly, and shutdown failures
// must be visible without an 'error' listener.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type CheckRunResult, GracefulShutdown, HealthMonitor, OutlierDetector } from '../src/index.js';

describe('input validation', () => {
  it('new HealthMonitor(5) is a TypeError naming `options`', () => {
    expect(() => new HealthMonitor(5 as never)).toThrow(TypeError);
    expect(() => new HealthMonitor(5 as never)).toThrow(/Expected `options` of HealthMonitor options to be an object, got 5/);
    expect(() => new HealthMonitor(null as never)).toThrow(/`options`/);
  });

  it('OutlierDetector with endpoints that is not an array is a TypeError naming `endpoints`', () => {
    const target = { setHealthy: () => {} };
    expect(() => new OutlierDetector({ target, endpoints: 'abc' as never })).toThrow(TypeError);
    expect(() => new OutlierDetector({ target, endpoints: 'abc' as never })).toThrow(/Expected `endpoints` to be an array.*got "abc"/);
  });

  it('OutlierDetector.record(id, null) is a TypeError naming `outcome` and records nothing', () => {
    const d = new OutlierDetector({ target: { setHealthy: () => {} }, endpoints: ['a'], clock: new ManualClock() });
    expect(() => d.record('b', null as never)).toThrow(/Expected `outcome` to be an object.*got null/);
    expect(() => d.record('a', undefined as never)).toThrow(TypeError);
    expect(d.size).toBe(1); // the unknown id was not added
    d.stop();
  });

  it('a check returning an unknown status is a failure whose output names the status', async () => {
    const clock = new ManualClock();
    const results: CheckRunResult[] = [];
    const m = new HealthMonitor({
      clock,
      checks: [{ name: 'typo', initialStatus: 'pass', unhealthyThreshold: 1, check: () => ({ status: 'bogus' }) }],
    });
    m.on('result', (r) => results.push(r));
    m.start();
    await clock.advanceAsync(0);
    m.stop();
    expect(results[0]?.status).toBe('fail');
    expect(results[0]?.output).toMatch(/invalid status "bogus"/);
    expect(m.checkStatus('typo')).toBe('fail');
    expect(m.report().checks.typo?.[0]?.output).toMatch(/"bogus"/);
  });
});

describe('graceful shutdown failures without an error listener', () => {
  it('shutdown() resolves with the failing hook listed and clean: false', async () => {
    const s = new GracefulShutdown({
      clock: new ManualClock(),
      delayMs: 0,
      signals: [],
      hooks: [
        async () => {
          throw new Error('hook failed');
        },
      ],
    });
    const result = await s.shutdown('test');
    expect(s.state).toBe('closed');
    expect(result.clean).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect((result.errors[0] as Error & { code?: string }).code).toBe('ERR_SHUTDOWN_HOOK');
    expect(((result.errors[0] as Error).cause as Error).message).toBe('hook failed');
  });

  it('shutdown() resolves with the hook timeout listed when a hook hangs, and with clean: true otherwise', async () => {
    const clock = new ManualClock();
    const s = new GracefulShutdown({ clock, delayMs: 0, signals: [], hookTimeoutMs: 50, hooks: [() => new Promise(() => {})] });
    const done = s.shutdown('test');
    await clock.advanceAsync(50);
    const result = await done;
    expect(result.clean).toBe(false);
    expect(result.errors.map((e) => (e as Error & { code?: string }).code)).toEqual(['ERR_TIMEOUT']);
    const ok = await new GracefulShutdown({ clock, delayMs: 0, signals: [], hooks: [() => {}] }).shutdown();
    expect(ok).toEqual({ clean: true, errors: [] });
  });

  it('a signal-started shutdown with a failing hook still exits with code 1', async () => {
    const clock = new ManualClock();
    const codes: number[] = [];
    const s = new GracefulShutdown({
      clock,
      delayMs: 0,
      signals: ['SIGUSR2'],
      exit: (c) => codes.push(c),
      hooks: [
        () => {
          throw new Error('x');
        },
      ],
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    const result = await s.shutdown();
    expect(result.clean).toBe(false);
    expect(codes).toEqual([1]);
    s.dispose();
  });
});
