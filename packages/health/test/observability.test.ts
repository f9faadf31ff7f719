// Issue 19: every documented channel fires, every stats() matches its README table, and the counters add up.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelSpy } from '../../../test/_channel-spy.js';
import { expectDocumented, readme, tableAfter } from '../../../test/_readme-tables.js';
import { GracefulShutdown, HealthMonitor, OutlierDetector } from '../src/index.js';

const README = readme(import.meta.url);
const { seen, listen } = channelSpy();
const target = { setHealthy: (): void => {} };

describe('channels (README table)', () => {
  it('each documented channel fires, with the payload fields the table names plus source', async () => {
    const channels = tableAfter(README, '## Channels');
    expect(channels.sort()).toEqual(
      ['result', 'change', 'status', 'eject', 'return', 'state', 'phase', 'error', 'signal'].map((e) => `scaling:health:${e}`).sort(),
    );
    for (const c of channels) listen(c);

    const clock = new ManualClock();
    const answers = [false, true];
    const monitor = new HealthMonitor({
      clock,
      checks: [{ name: 'db', check: () => answers.shift() ?? true, unhealthyThreshold: 1, healthyThreshold: 1, intervalMs: 1_000 }],
    });
    monitor.start();
    await clock.advanceAsync(2_000);
    monitor.stop();

    const detector = new OutlierDetector({ target, clock, endpoints: ['a', 'b', 'c'] });
    for (let i = 0; i < 5; i++) detector.record('a', { ok: false });
    await clock.advanceAsync(30_000);
    detector.record('a', { ok: true });
    detector.stop();

    const shutdown = new GracefulShutdown({ delayMs: 0, signals: ['SIGUSR2'], exit: false, hookTimeoutMs: 1_000 });
    shutdown.addHook(() => {
      throw new Error('hook failed');
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    await shutdown.shutdown();

    for (const c of channels) expect(seen.get(c)?.length ?? 0, c).toBeGreaterThan(0);
    // the check starts unhealthy (initialStatus), fails once, then passes
    expect(seen.get('scaling:health:result')?.map((r) => (r as { status: string }).status)).toEqual(['fail', 'pass', 'pass']);
    expect(seen.get('scaling:health:result')?.[0]).toMatchObject({ name: 'db', timedOut: false, durationMs: 0, source: monitor });
    expect(seen.get('scaling:health:change')).toEqual([{ name: 'db', status: 'pass', previous: 'fail', healthy: true, source: monitor }]);
    expect(seen.get('scaling:health:status')?.at(-1)).toEqual({ status: 'pass', previous: 'fail', source: monitor });
    expect(seen.get('scaling:health:eject')?.[0]).toMatchObject({
      id: 'a',
      reason: 'consecutive-failures',
      ejectionTimeMs: 30_000,
      source: detector,
    });
    expect(seen.get('scaling:health:return')?.[0]).toMatchObject({ id: 'a', source: detector });
    expect(seen.get('scaling:health:phase')?.map((p) => (p as { phase: string }).phase)).toEqual([
      'servers',
      'requests',
      'queues',
      'clients',
    ]);
    expect(seen.get('scaling:health:state')?.map((p) => (p as { state: string }).state)).toEqual(['draining', 'closing', 'closed']);
    expect(seen.get('scaling:health:signal')?.[0]).toMatchObject({ signal: 'SIGUSR2', repeated: false, source: shutdown });
    expect(seen.get('scaling:health:error')?.[0]).toMatchObject({ source: shutdown });
    shutdown.dispose();
  });
});

describe('stats() shapes (README tables) and counters', () => {
  it('HealthMonitor: documented fields; runs = passes + warnings + failures; top level = sum of checks', async () => {
    const clock = new ManualClock();
    let n = 0;
    const monitor = new HealthMonitor({
      clock,
      checks: [
        {
          name: 'flaky',
          check: () => [true, false, { status: 'warn' as const }][n++ % 3],
          intervalMs: 100,
          unhealthyThreshold: 1,
          healthyThreshold: 1,
        },
        { name: 'slow', check: () => new Promise(() => {}), intervalMs: 100, timeoutMs: 50, unhealthyThreshold: 2 },
      ],
    });
    expect(monitor.stats().runs).toBe(0);
    monitor.start();
    await clock.advanceAsync(1_000);
    const s = monitor.stats();
    expectDocumented(README, '`HealthMonitor.stats()`', s);
    expect(s.running).toBe(true);
    expect(s.runs).toBeGreaterThan(5);
    expect(s.runs).toBe(s.passes + s.warnings + s.failures);
    const checks = Object.values(s.checks);
    for (const c of checks) expect(c.runs).toBe(c.passes + c.warnings + c.failures);
    for (const k of ['runs', 'passes', 'warnings', 'failures', 'timeouts', 'transitions'] as const)
      expect(s[k]).toBe(checks.reduce((sum, c) => sum + c[k], 0));
    expect(s.checks.slow).toMatchObject({ status: 'fail', healthy: false, passes: 0 });
    expect(s.checks.slow?.timeouts).toBe(s.checks.slow?.failures);
    expect(s.runDuration.count).toBe(s.runs);
    expect(s.checks.slow?.lastDurationMs).toBeGreaterThanOrEqual(50);
    expect(s.statusChanges).toBeGreaterThan(0);
    monitor.stop();
    // a snapshot is a copy
    const before = monitor.stats();
    monitor.start();
    await clock.advanceAsync(500);
    expect(monitor.stats().runs).toBeGreaterThan(before.runs);
    expect(before.runDuration.count).toBe(before.runs);
    monitor.stop();
  });

  it('OutlierDetector: documented fields; ejections add up by reason and against returns + released + ejected', () => {
    const clock = new ManualClock();
    const detector = new OutlierDetector({ target, clock, endpoints: ['a', 'b', 'c', 'd'], maxEjectionPercent: 50 });
    for (let i = 0; i < 5; i++) detector.record('a', { ok: false });
    detector.record('b', { ok: true });
    const s = detector.stats();
    expectDocumented(README, '`OutlierDetector.stats()`', s);
    expect(s.endpoints.a).toMatchObject({ state: 'ejected', ejected: true, failures: 5, ejections: 1, successRate: 0 });
    expect(s.endpoints.b).toMatchObject({ state: 'healthy', ejected: false, successes: 1, successRate: 1 });
    expect(s.endpoints.c?.successRate).toBeUndefined();
    // the stateOf() view agrees
    expect(detector.stateOf('a')).toBe(s.endpoints.a?.state);
  });

  it('OutlierDetector counters add up under any sequence of outcomes, time, admits, removes and stop', () => {
    type Op = { k: 'ok' | 'fail' | 'none' | 'admit' | 'remove'; id: number } | { k: 'advance'; ms: number } | { k: 'stop' };
    const id = fc.integer({ min: 0, max: 4 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constantFrom('ok' as const, 'fail' as const, 'fail' as const, 'none' as const, 'admit' as const), id }),
      fc.record({ k: fc.constant('remove' as const), id }),
      fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
      fc.constant({ k: 'stop' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120, size: 'medium' }), (ops) => {
        const clock = new ManualClock();
        const detector = new OutlierDetector({
          target,
          clock,
          endpoints: ['e0', 'e1', 'e2', 'e3', 'e4'],
          consecutiveFailures: 2,
          maxEjectionPercent: 40,
          failurePercentage: { threshold: 50, minimumHosts: 2, requestVolume: 2 },
        });
        let oks = 0;
        let fails = 0;
        let stopped = false;
        const known = new Set(['e0', 'e1', 'e2', 'e3', 'e4']);
        for (const o of ops) {
          if (o.k === 'advance') clock.advance(o.ms);
          else if (o.k === 'stop') {
            detector.stop();
            stopped = true;
          } else if (o.k === 'remove') {
            detector.remove(`e${o.id}`);
            known.delete(`e${o.id}`);
          } else if (o.k === 'admit') detector.admit(`e${o.id}`);
          else if (o.k === 'none') detector.record(`e${o.id}`, {});
          else {
            detector.record(`e${o.id}`, { ok: o.k === 'ok' });
            // a stopped detector counts outcomes of endpoints it still tracks, and adds no new ones
            if (stopped && !known.has(`e${o.id}`)) continue;
            known.add(`e${o.id}`);
            if (o.k === 'ok') oks++;
            else fails++;
          }
          const s = detector.stats();
          const by = s.ejectionsBy;
          expect(s.ejections).toBe(by.consecutiveFailures + by.failurePercentage + by.successRate + by.probeFailed);
          expect(s.ejections - by.probeFailed).toBe(s.returns + s.released + s.ejected);
          expect(s.ejected).toBe(detector.ejectedCount);
          expect(s.size).toBe(Object.keys(s.endpoints).length);
          expect(s.successes).toBe(oks);
          expect(s.failures).toBe(fails);
          const members = Object.values(s.endpoints);
          expect(members.filter((m) => m.state !== 'healthy').length).toBe(s.ejected);
        }
        detector.stop();
      }),
      { numRuns: 200 },
    );
  });

  it('GracefulShutdown: documented fields; tracked = completed + inFlight; errors and signals counted', async () => {
    const shutdown = new GracefulShutdown({ delayMs: 0, signals: [], exit: false, drainTimeoutMs: 1_000 });
    const end = shutdown.begin();
    let release!: () => void;
    shutdown.track(new Promise<void>((r) => (release = r)));
    shutdown.track(Promise.resolve());
    await Promise.resolve();
    let s = shutdown.stats();
    expect(s).toMatchObject({ state: 'running', inFlight: 2, tracked: 3, completed: 1, errors: 0, signals: 0 });
    shutdown.addHook(
      () => {
        throw new Error('nope');
      },
      { phase: 'servers' },
    );
    const phases: (string | undefined)[] = [];
    shutdown.on('phase', () => {
      phases.push(shutdown.stats().phase);
      expectDocumented(README, '`GracefulShutdown.stats()`', shutdown.stats()); // phase present during a phase
    });
    const done = shutdown.shutdown();
    end();
    release();
    await done;
    s = shutdown.stats();
    expect(phases).toEqual(['servers', 'requests', 'queues', 'clients']);
    expect(s).toMatchObject({ state: 'closed', inFlight: 0, tracked: 3, completed: 3, errors: 1 });
    expect(s.phase).toBeUndefined();
    expect(s.tracked).toBe(s.completed + s.inFlight);
  });
});
