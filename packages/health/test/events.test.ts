// The one event style (docs/events.md) on HealthMonitor, GracefulShutdown and OutlierDetector: `on` returns
// an unsubscribe function, one payload object per event, unknown events are TypeErrors, and every event
// is mirrored on node:diagnostics_channel as `scaling:health:<event>` with its `source`.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { GracefulShutdown, HealthMonitor, OutlierDetector } from '../src/index.js';

describe('events', () => {
  it('on() returns an unsubscribe function (listeners counted) and rejects unknown events', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({ clock, checks: [{ name: 'a', check: () => true, healthyThreshold: 1, intervalMs: 10 }] });
    const seen: string[] = [];
    const off = m.on('result', ({ name, status }) => seen.push(`${name} ${status}`));
    expect(m.listenerCount('result')).toBe(1);
    m.start();
    await clock.advanceAsync(0);
    off();
    off(); // idempotent
    expect(m.listenerCount('result')).toBe(0);
    await clock.advanceAsync(10);
    m.stop();
    expect(seen).toEqual(['a pass']);
    expect(() => m.on('nope' as never, () => {})).toThrow(TypeError);
    expect(() => new GracefulShutdown({ signals: [], exit: false }).on('closed' as never, () => {})).toThrow(TypeError);
  });

  it('publishes scaling:health:phase, scaling:health:status and scaling:health:eject with the payload and its source', async () => {
    const got: Record<string, unknown[]> = { phase: [], status: [], eject: [] };
    const handlers = Object.fromEntries(Object.keys(got).map((e) => [e, (msg: unknown) => got[e]?.push(msg)])) as Record<
      string,
      (m: unknown) => void
    >;
    for (const [e, h] of Object.entries(handlers)) subscribe(`scaling:health:${e}`, h);
    try {
      const clock = new ManualClock();
      const shutdown = new GracefulShutdown({ clock, signals: [], delayMs: 0 });
      await shutdown.shutdown('deploy');
      const m = new HealthMonitor({ clock, checks: [{ name: 'a', check: () => true, healthyThreshold: 1 }] }).start();
      await clock.advanceAsync(0);
      m.stop();
      const d = new OutlierDetector({ clock, target: { setHealthy: () => {} }, endpoints: ['x', 'y'] });
      for (let i = 0; i < 5; i++) d.record('x', { ok: false });
      d.stop();
      expect(got.phase).toEqual(
        ['servers', 'requests', 'queues', 'clients'].map((phase) => ({ phase, reason: 'deploy', source: shutdown })),
      );
      expect(got.status).toContainEqual({ status: 'pass', previous: 'fail', source: m });
      expect(got.eject).toEqual([{ id: 'x', reason: 'consecutive-failures', ejectionTimeMs: 30_000, source: d }]);
    } finally {
      for (const [e, h] of Object.entries(handlers)) unsubscribe(`scaling:health:${e}`, h);
    }
  });
});
