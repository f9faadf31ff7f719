// docs/events.md: every event is also published on node:diagnostics_channel as scaling:load-balancer:<event>.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

describe('every documented channel', () => {
  it('the README lists exactly the events a balancer emits, and each is published when it happens', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const documented = [...new Set([...readme.matchAll(/`scaling:load-balancer:([a-z-]+)`/g)].map((m) => m[1] as string))].sort();
    expect(documented).toEqual(['outcome', 'panic', 'recover']);
    const seen = new Map<string, Array<Record<string, unknown>>>();
    const offs = documented.map((e) => {
      const name = `scaling:load-balancer:${e}`;
      const fn = (message: unknown) => {
        const list = seen.get(e) ?? [];
        list.push(message as Record<string, unknown>);
        seen.set(e, list);
      };
      subscribe(name, fn);
      return () => unsubscribe(name, fn);
    });
    try {
      // Nobody called on(): a channel subscriber alone gets the outcomes, of a plain round-robin too.
      const clock = new ManualClock();
      const rr = new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], clock, leaseTimeoutMs: 100 });
      const lease = rr.pick(); // a
      clock.advance(7);
      lease.release({ ok: true });
      rr.pick().release(); // b, no outcome
      rr.pick(); // c: reclaimed by the timeout
      clock.advance(200);
      rr.setHealthy('a', false);
      rr.setHealthy('b', false);
      rr.setHealthy('b', true);
      rr.close();
      expect(seen.get('outcome')).toEqual([
        { id: 'a', ok: true, latencyMs: 7, source: rr },
        { id: 'b', latencyMs: 0, source: rr },
        { id: 'c', ok: false, latencyMs: expect.any(Number), source: rr },
      ]);
      expect(seen.get('panic')).toEqual([{ healthy: 1, total: 3, source: rr }]);
      expect(seen.get('recover')).toEqual([{ healthy: 2, total: 3, source: rr }]);
    } finally {
      for (const off of offs) off();
    }
  });
});
