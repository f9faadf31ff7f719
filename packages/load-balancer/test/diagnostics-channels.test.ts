// docs/events.md: every event is also published on node:diagnostics_channel as scaling:load-balancer:<event>.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { PeakEwma, RoundRobin } from '../src/index.js';

describe('events on diagnostics channels', () => {
  it('publishes panic, recover and outcome with the payload and the emitting balancer as source', () => {
    const seen: Array<[string, Record<string, unknown>]> = [];
    const handlers = ['panic', 'recover', 'outcome'].map((e) => {
      const name = `scaling:load-balancer:${e}`;
      const fn = (message: unknown) => seen.push([e, message as Record<string, unknown>]);
      subscribe(name, fn);
      return () => unsubscribe(name, fn);
    });
    try {
      const rr = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
      rr.setHealthy('a', false);
      rr.setHealthy('b', false);
      rr.setHealthy('b', true);
      const ewma = new PeakEwma({ endpoints: [{ id: 'x' }], clock: new ManualClock() });
      ewma.pick().release({ ok: false, latencyMs: 4 });
      expect(seen.map(([e, m]) => [e, m.source === rr || m.source === ewma])).toEqual([
        ['panic', true],
        ['recover', true],
        ['outcome', true],
      ]);
      expect(seen[2]?.[1]).toMatchObject({ id: 'x', ok: false, latencyMs: 4 });
    } finally {
      for (const off of handlers) off();
    }
  });
});
