// User callbacks (issue 13, points 14–15 for health): a throwing callback never leaves the monitor, the
// detector or the shutdown broken — its error is rethrown on process.nextTick, where it stays visible — and
// re-entrant calls from callbacks work. Swept: every callback each structure calls.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { GracefulShutdown, HealthMonitor, OutlierDetector } from '../src/index.js';

/** Runs `fn` with uncaught exceptions collected instead of failing the run. */
async function collectUncaught(fn: () => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  const handler = (e: unknown) => errors.push(e);
  const previous = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', handler);
  try {
    await fn();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off('uncaughtException', handler);
    for (const l of previous) process.on('uncaughtException', l);
  }
  return errors;
}

const boom = (what: string) => () => {
  throw new Error(`${what} failed`);
};

describe('HealthMonitor: every callback may throw', () => {
  const cases: Record<string, (m: HealthMonitor) => void> = {
    'change listener': (m) => m.on('change', boom('change listener')),
    'status listener': (m) => m.on('status', boom('status listener')),
    'result listener': (m) => m.on('result', boom('result listener')),
  };
  for (const [name, install] of Object.entries(cases)) {
    it(`a throwing ${name} leaves the monitor running and correct`, async () => {
      const clock = new ManualClock();
      let up = true;
      const m = new HealthMonitor({
        clock,
        checks: [{ name: 'a', check: () => up, intervalMs: 10, healthyThreshold: 1, unhealthyThreshold: 1 }],
      });
      install(m);
      const errors = await collectUncaught(async () => {
        m.start();
        await clock.advanceAsync(0);
        up = false;
        await clock.advanceAsync(10);
        up = true;
        await clock.advanceAsync(10);
      });
      expect(errors.length).toBeGreaterThan(0);
      expect(m.checkStatus('a')).toBe('pass');
      expect(clock.pendingTimers).toBe(1); // the next run is scheduled
      m.stop();
      expect(clock.pendingTimers).toBe(0);
    });
  }

  it('a throwing random source (jitter) and wallClock never stop the schedule', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const m = new HealthMonitor({
      clock,
      random: boom('random'),
      wallClock: boom('wallClock'),
      checks: [{ name: 'a', check: () => void runs++, intervalMs: 10, jitterMs: 5, healthyThreshold: 1 }],
    });
    const errors = await collectUncaught(async () => {
      m.start();
      await clock.advanceAsync(35);
    });
    expect(runs).toBe(4);
    expect(errors.map((e) => (e as Error).message)).toContain('random failed');
    expect(errors.map((e) => (e as Error).message)).toContain('wallClock failed');
    expect(m.report().checks.a?.[0]?.time).toBeUndefined();
    m.stop();
  });

  it('a check that throws synchronously is one failure and the next run is scheduled', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({
      clock,
      checks: [{ name: 'a', check: boom('check'), intervalMs: 10, unhealthyThreshold: 1, initialStatus: 'pass' }],
    });
    m.start();
    await clock.advanceAsync(0);
    expect(m.report().checks.a?.[0]?.output).toBe('check failed');
    expect(clock.pendingTimers).toBe(1);
    m.stop();
  });

  it('re-entrant calls from listeners work: stop/start, remove itself, add another, report', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({ clock, checks: [{ name: 'a', check: () => true, intervalMs: 10, healthyThreshold: 1 }] });
    const seen: string[] = [];
    let once = true;
    m.on('result', () => {
      seen.push(m.report().status);
      if (!once) return;
      once = false;
      m.stop();
      m.start();
      m.add({ name: 'b', check: () => true, intervalMs: 10, healthyThreshold: 1 });
    });
    m.on('change', ({ name }) => {
      if (name === 'b') m.remove('b');
    });
    m.start();
    await clock.advanceAsync(25);
    expect(m.checkNames).toEqual(['a']);
    expect(m.status).toBe('pass');
    expect(seen.length).toBeGreaterThan(2);
    m.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('re-entrant calls from a check work: a check that stops the monitor, removes itself or adds a check', async () => {
    const clock = new ManualClock();
    const build = (check: (m: HealthMonitor) => unknown) => {
      let m!: HealthMonitor;
      m = new HealthMonitor({ clock, checks: [{ name: 'c', check: () => check(m), intervalMs: 10 }] });
      return m;
    };
    const stopper = build((m) => void m.stop()).start();
    const remover = build((m) => void m.remove('c')).start();
    const adder = build((m) => void (m.checkNames.includes('added') || m.add({ name: 'added', check: () => true }))).start();
    await clock.advanceAsync(0);
    expect(stopper.running).toBe(false);
    expect(remover.checkNames).toEqual([]);
    expect(adder.checkNames).toEqual(['c', 'added']);
    remover.stop();
    adder.stop();
    expect(clock.pendingTimers).toBe(0);
    stopper.start(); // and a stopped monitor starts again cleanly
    await clock.advanceAsync(0);
    expect(stopper.running).toBe(false);
  });

  it('the status event stays in order when a listener changes the aggregate re-entrantly', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({ clock, checks: [{ name: 'a', check: () => true, intervalMs: 10, healthyThreshold: 1 }] });
    const statuses: string[] = [];
    m.on('status', ({ status, previous }) => statuses.push(`${previous}->${status}`));
    m.on('change', ({ name }) => {
      if (name === 'a') m.add({ name: 'down', check: () => false, initialStatus: 'fail' });
    });
    m.start();
    await clock.advanceAsync(0);
    m.stop();
    // fail (a not yet passed) → pass (a passed) → fail (down added): each event starts where the last ended
    for (let i = 1; i < statuses.length; i++) expect(statuses[i]?.split('->')[0]).toBe(statuses[i - 1]?.split('->')[1]);
    expect(m.status).toBe('fail');
  });
});

describe('OutlierDetector: every callback may throw or call back', () => {
  const setups: Record<string, (calls: string[]) => ConstructorParameters<typeof OutlierDetector>[0]> = {
    'target.setHealthy': (calls) => ({
      target: {
        setHealthy(id, healthy) {
          calls.push(`${id} ${healthy}`);
          throw new Error('target failed');
        },
      },
    }),
    onEject: (calls) => ({ target: { setHealthy: (id, h) => void calls.push(`${id} ${h}`) }, onEject: boom('onEject') }),
    onReturn: (calls) => ({ target: { setHealthy: (id, h) => void calls.push(`${id} ${h}`) }, onReturn: boom('onReturn') }),
  };
  for (const [name, setup] of Object.entries(setups)) {
    it(`a throwing ${name} leaves the detector consistent through eject → probe → return`, async () => {
      const clock = new ManualClock();
      const calls: string[] = [];
      const d = new OutlierDetector({ ...setup(calls), clock, endpoints: ['a', 'b', 'c'] });
      const errors = await collectUncaught(async () => {
        for (let i = 0; i < 5; i++) d.record('a', { ok: false });
        expect(d.stateOf('a')).toBe('ejected');
        clock.advance(30_000);
        expect(d.admit('a')).toBe(true);
        d.record('a', { ok: true });
      });
      expect(errors.length).toBeGreaterThan(0);
      expect(d.stateOf('a')).toBe('healthy');
      expect(d.ejectedCount).toBe(0);
      expect(calls).toEqual(['a false', 'a true', 'a false', 'a true']);
      d.stop();
      expect(clock.pendingTimers).toBe(0);
    });
  }

  for (const event of ['eject', 'return'] as const) {
    it(`a throwing ${event} listener leaves the detector consistent`, async () => {
      const clock = new ManualClock();
      const d = new OutlierDetector({ target: { setHealthy: () => {} }, clock, endpoints: ['a', 'b'] });
      d.on(event, boom(`${event} listener`));
      const errors = await collectUncaught(async () => {
        for (let i = 0; i < 5; i++) d.record('a', { ok: false });
        clock.advance(30_000);
        d.record('a', { ok: true });
      });
      expect(errors).toHaveLength(1);
      expect(d.stateOf('a')).toBe('healthy');
      d.stop();
    });
  }

  it('a target that calls back into the detector (record, remove, stop) during an ejection or a sweep works', () => {
    const clock = new ManualClock();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    let d!: OutlierDetector;
    const log: string[] = [];
    d = new OutlierDetector({
      clock,
      endpoints: ids,
      maxEjectionPercent: 100,
      failurePercentage: { requestVolume: 5, minimumHosts: 1, threshold: 50 },
      successRate: false,
      target: {
        setHealthy(id, healthy) {
          log.push(`${id} ${healthy}`);
          if (!healthy && id === 'b') d.remove('c'); // re-entrant remove in the middle of a sweep
          if (!healthy && id === 'a') d.record('a', { ok: false }); // re-entrant record
        },
      },
    });
    for (let i = 0; i < 5; i++) d.record('a', { ok: false });
    for (const id of ['b', 'c', 'd']) for (let i = 0; i < 6; i++) d.record(id, { ok: i % 2 === 0 && i > 3 });
    clock.advance(10_000); // the sweep ejects b, c, d by failure percentage
    expect(d.stateOf('c')).toBeUndefined();
    expect(d.stateOf('b')).toBe('ejected');
    expect(d.stateOf('d')).toBe('ejected');
    expect(d.size).toBe(5);
    d.stop();
    expect(log.filter((l) => l.endsWith('true')).sort()).toEqual(['a true', 'b true', 'd true']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('GracefulShutdown: every callback may throw or call back', () => {
  for (const event of ['state', 'phase', 'error'] as const) {
    it(`a throwing ${event} listener never stops the sequence`, async () => {
      const s = new GracefulShutdown({ clock: new ManualClock(), signals: [], delayMs: 0, hooks: [boom('hook')] });
      s.on(event, boom(`${event} listener`));
      let result: Awaited<ReturnType<GracefulShutdown['shutdown']>> | undefined;
      const errors = await collectUncaught(async () => {
        result = await s.shutdown();
      });
      expect(s.state).toBe('closed');
      expect(result?.errors).toHaveLength(1); // the hook's failure
      expect(errors.length).toBeGreaterThan(0);
    });
  }

  it('a throwing exit callback is rethrown outside; the shutdown resolved', async () => {
    const s = new GracefulShutdown({ clock: new ManualClock(), signals: ['SIGUSR2'], delayMs: 0, exit: boom('exit') });
    const errors = await collectUncaught(async () => {
      process.emit('SIGUSR2', 'SIGUSR2');
      await s.shutdown();
    });
    expect(s.state).toBe('closed');
    expect(errors.map((e) => (e as Error).message)).toEqual(['exit failed']);
  });

  it('a queue whose close() throws synchronously is reported, not thrown', async () => {
    const s = new GracefulShutdown({ clock: new ManualClock(), signals: [], delayMs: 0, queues: [{ close: boom('close') as never }] });
    const result = await s.shutdown();
    expect(result.errors.map((e) => e.name)).toEqual(['ShutdownHookError']);
  });

  it('shutdown() from a state listener or a hook returns the same promise (no second shutdown)', async () => {
    const s = new GracefulShutdown({ clock: new ManualClock(), signals: [], delayMs: 0 });
    const promises: Promise<unknown>[] = [];
    let drainingSeen = 0;
    s.on('state', ({ state }) => {
      if (state === 'draining') drainingSeen++;
      promises.push(s.shutdown('again'));
    });
    s.addHook(() => {
      promises.push(s.shutdown('from a hook'));
    });
    const done = s.shutdown();
    await done;
    expect(drainingSeen).toBe(1);
    expect(promises.every((p) => p === done)).toBe(true);
  });

  it('during and after a shutdown the signal listeners are counted: kept while it runs, removed when it ends', async () => {
    const before = process.listenerCount('SIGUSR2');
    const clock = new ManualClock();
    const s = new GracefulShutdown({ clock, signals: ['SIGUSR2'], delayMs: 100, exit: () => {} });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    const done = s.shutdown();
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1); // a signal now must not kill the process
    await clock.advanceAsync(100);
    await done;
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
