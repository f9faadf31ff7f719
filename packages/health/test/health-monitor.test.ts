import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type CheckStatusChange, HealthMonitor } from '../src/index.js';

const wallClock = () => Date.UTC(2026, 0, 1);

describe('HealthMonitor', () => {
  it('rejects bad options with messages naming them', () => {
    const check = () => true;
    expect(() => new HealthMonitor({ checks: [{ name: 'a', check, intervalMs: 0 }] })).toThrow(RangeError);
    expect(() => new HealthMonitor({ checks: [{ name: 'a', check, intervalMs: 0 }] })).toThrow(/`a.intervalMs`/);
    expect(() => new HealthMonitor({ checks: [{ name: 'a', check, healthyThreshold: 1.5 }] })).toThrow(RangeError);
    expect(() => new HealthMonitor({ checks: [{ name: 'a', check: 'no' as never }] })).toThrow(TypeError);
    expect(() => new HealthMonitor({ checks: [{ name: 'a', check, probes: ['alive' as never] }] })).toThrow(TypeError);
    expect(() => new HealthMonitor({ checks: [{ name: '', check }] })).toThrow(TypeError);
    expect(
      () =>
        new HealthMonitor({
          checks: [
            { name: 'a', check },
            { name: 'a', check },
          ],
        }),
    ).toThrow(/already exists/);
  });

  it('starts at the initial status and turns healthy after healthyThreshold passes', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({ clock, wallClock, checks: [{ name: 'db', check: () => true, intervalMs: 100, healthyThreshold: 2 }] });
    expect(m.checkStatus('db')).toBe('fail');
    expect(m.status).toBe('fail');
    m.start();
    await clock.advanceAsync(0);
    expect(m.checkStatus('db')).toBe('fail');
    await clock.advanceAsync(100);
    expect(m.checkStatus('db')).toBe('pass');
    expect(m.status).toBe('pass');
    m.stop();
  });

  it('interprets results: undefined/true pass, false and throws fail, objects give status and details', async () => {
    const clock = new ManualClock();
    const results: unknown[] = [];
    const outcomes: Array<() => unknown> = [
      () => undefined,
      () => false,
      () => {
        throw new Error('boom');
      },
      () => Promise.reject(new Error('async boom')),
      () => ({ status: 'warn', observedValue: 42, observedUnit: 'ms', output: 'slow' }),
    ];
    let k = 0;
    const m = new HealthMonitor({
      clock,
      wallClock,
      checks: [{ name: 'x', check: () => (outcomes[k++] as () => unknown)(), intervalMs: 10, healthyThreshold: 1, unhealthyThreshold: 1 }],
    });
    m.on('result', (r) => results.push([r.status, r.output]));
    m.start();
    await clock.advanceAsync(45);
    m.stop();
    expect(results).toEqual([
      ['pass', undefined],
      ['fail', 'check returned false'],
      ['fail', 'boom'],
      ['fail', 'async boom'],
      ['warn', 'slow'],
    ]);
    expect(m.checkStatus('x')).toBe('warn');
    const entry = m.report().checks.x?.[0];
    expect(entry).toMatchObject({ componentId: 'x', status: 'warn', observedValue: 42, observedUnit: 'ms', output: 'slow' });
    expect(entry?.time).toBe('2026-01-01T00:00:00.000Z');
  });

  it('a non-critical failing check degrades the aggregate to warn, not fail', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({
      clock,
      checks: [
        { name: 'core', check: () => true, initialStatus: 'pass' },
        { name: 'cache', check: () => false, critical: false, initialStatus: 'pass', unhealthyThreshold: 1 },
      ],
    }).start();
    await clock.advanceAsync(0);
    expect(m.checkStatus('cache')).toBe('warn');
    expect(m.isHealthy('cache')).toBe(false);
    expect(m.status).toBe('warn');
    m.stop();
  });

  it('emits change on every status change of a check and status when the aggregate changes', async () => {
    const clock = new ManualClock();
    let ok = true;
    const m = new HealthMonitor({
      clock,
      checks: [{ name: 'a', check: () => ok, intervalMs: 10, initialStatus: 'pass', healthyThreshold: 1, unhealthyThreshold: 1 }],
    });
    const changes: CheckStatusChange[] = [];
    const statuses: string[] = [];
    m.on('change', (c) => changes.push(c));
    m.on('status', ({ status, previous }) => statuses.push(`${previous}->${status}`));
    m.start();
    await clock.advanceAsync(0);
    ok = false;
    await clock.advanceAsync(10);
    await clock.advanceAsync(10);
    ok = true;
    await clock.advanceAsync(10);
    m.stop();
    expect(changes.map((c) => `${c.previous}->${c.status}`)).toEqual(['pass->fail', 'fail->pass']);
    expect(statuses).toEqual(['pass->fail', 'fail->pass']);
  });

  it('keeps probing an unhealthy check at unhealthyIntervalMs so it can recover', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const m = new HealthMonitor({
      clock,
      checks: [{ name: 'a', check: () => ++runs < 0, intervalMs: 1000, unhealthyIntervalMs: 50, unhealthyThreshold: 1 }],
    }).start();
    await clock.advanceAsync(500);
    m.stop();
    expect(runs).toBe(11); // at 0, 50, …, 500
  });

  it('adds jitter from the injected random source', async () => {
    const clock = new ManualClock();
    const at: number[] = [];
    const m = new HealthMonitor({
      clock,
      random: () => 0.5,
      checks: [{ name: 'a', check: () => at.push(clock.now()), intervalMs: 100, jitterMs: 40 }],
    }).start();
    await clock.advanceAsync(300);
    m.stop();
    expect(at).toEqual([0, 120, 240]);
  });

  it('report() has the IETF shape, keyed component:measurement, filtered by probe kind', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({
      clock,
      wallClock,
      serviceId: 'svc',
      version: '1',
      checks: [
        {
          name: 'pg-primary',
          key: 'postgres:responseTime',
          componentType: 'datastore',
          check: () => ({ observedValue: 3, observedUnit: 'ms' }),
          healthyThreshold: 1,
        },
        {
          name: 'pg-replica',
          key: 'postgres:responseTime',
          componentType: 'datastore',
          check: () => ({ observedValue: 5, observedUnit: 'ms' }),
          healthyThreshold: 1,
        },
        { name: 'event-loop', key: 'eventloop:delay', check: () => true, healthyThreshold: 1, probes: ['liveness'] },
      ],
    }).start();
    await clock.advanceAsync(0);
    m.stop();
    const r = JSON.parse(JSON.stringify(m.report()));
    expect(r).toEqual({
      status: 'pass',
      serviceId: 'svc',
      version: '1',
      checks: {
        'postgres:responseTime': [
          {
            componentId: 'pg-primary',
            componentType: 'datastore',
            status: 'pass',
            time: '2026-01-01T00:00:00.000Z',
            observedValue: 3,
            observedUnit: 'ms',
          },
          {
            componentId: 'pg-replica',
            componentType: 'datastore',
            status: 'pass',
            time: '2026-01-01T00:00:00.000Z',
            observedValue: 5,
            observedUnit: 'ms',
          },
        ],
        'eventloop:delay': [{ componentId: 'event-loop', status: 'pass', time: '2026-01-01T00:00:00.000Z' }],
      },
    });
    expect(Object.keys(m.report('liveness').checks)).toEqual(['eventloop:delay']);
    expect(Object.keys(m.report('readiness').checks)).toEqual(['postgres:responseTime']);
  });

  it('startup passes once readiness has passed, and stays passed', async () => {
    const clock = new ManualClock();
    let ok = true;
    const m = new HealthMonitor({
      clock,
      checks: [{ name: 'a', check: () => ok, intervalMs: 10, healthyThreshold: 1, unhealthyThreshold: 1 }],
    });
    expect(m.probeStatus('startup')).toBe('fail');
    m.start();
    await clock.advanceAsync(0);
    expect(m.probeStatus('startup')).toBe('pass');
    ok = false;
    await clock.advanceAsync(10);
    expect(m.probeStatus('readiness')).toBe('fail');
    expect(m.probeStatus('startup')).toBe('pass');
    m.stop();
  });

  it('startup latches the moment readiness passes, even if nobody asked then', async () => {
    const clock = new ManualClock();
    const script = [true, false];
    let k = 0;
    const m = new HealthMonitor({
      clock,
      checks: [{ name: 'a', check: () => script[k++] ?? false, intervalMs: 10, healthyThreshold: 1, unhealthyThreshold: 1 }],
    });
    m.start();
    await clock.advanceAsync(10);
    expect(m.probeStatus('readiness')).toBe('fail');
    expect(m.probeStatus('startup')).toBe('pass');
    m.stop();
  });

  it('after stop() no timers remain, and the aborted run is dropped', async () => {
    const clock = new ManualClock();
    let aborted = 0;
    const m = new HealthMonitor({
      clock,
      checks: [
        {
          name: 'hang',
          check: (signal) =>
            new Promise((_, reject) => {
              signal.addEventListener('abort', () => {
                aborted++;
                reject(signal.reason);
              });
            }),
          timeoutMs: 1_000,
        },
        { name: 'deaf', check: () => new Promise(() => {}), timeoutMs: 1_000 }, // ignores its signal
        { name: 'quick', check: () => true, intervalMs: 5 },
      ],
    }).start();
    await clock.advanceAsync(12);
    expect(clock.pendingTimers).toBeGreaterThan(0);
    m.stop();
    await clock.advanceAsync(0);
    expect(aborted).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(m.checkStatus('hang')).toBe('fail');
  });

  it('add() while running starts the check; remove() stops it', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const m = new HealthMonitor({ clock }).start();
    m.add({ name: 'late', check: () => runs++, intervalMs: 10 });
    await clock.advanceAsync(25);
    expect(runs).toBe(3);
    expect(m.remove('late')).toBe(true);
    expect(m.remove('late')).toBe(false);
    await clock.advanceAsync(50);
    expect(runs).toBe(3);
    expect(m.checkNames).toEqual([]);
    m.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
