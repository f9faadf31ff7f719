// The regression cases reported against other balancers (issue #6), one named test each.
import { ManualClock, seededRandom } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { type Endpoint, type Lease, LeastConnections, PeakEwma, PowerOfTwoChoices, RoundRobin, WeightedRoundRobin } from '../src/index.js';
import { strategies } from './_strategies.js';

function sequence(lb: { pick(): Lease<Endpoint> }, n: number): string[] {
  return Array.from({ length: n }, () => {
    const l = lb.pick();
    const id = l.endpoint.id;
    l.release();
    return id;
  });
}

describe('regressions', () => {
  it('1a. smooth WRR with weights a=5, b=1, c=1 yields a a b a c a a in every cycle', () => {
    const lb = new WeightedRoundRobin({
      scheduler: 'smooth',
      endpoints: [
        { id: 'a', weight: 5 },
        { id: 'b', weight: 1 },
        { id: 'c', weight: 1 },
      ],
    });
    for (let cycle = 0; cycle < 5; cycle++) expect(sequence(lb, 7).join(' ')).toBe('a a b a c a a');
  });

  it.each(['smooth', 'edf'] as const)(
    '1b. %s WRR with weights 21 and 11: the light endpoint within 2 picks, heavy runs ≤ 2',
    (scheduler) => {
      const lb = new WeightedRoundRobin({
        scheduler,
        endpoints: [
          { id: 'heavy', weight: 21 },
          { id: 'light', weight: 11 },
        ],
      });
      const seq = sequence(lb, 32 * 10);
      expect(seq.slice(0, 2)).toContain('light');
      let run = 0;
      let longest = 0;
      for (const id of seq) {
        run = id === 'heavy' ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      expect(longest).toBeLessThanOrEqual(2);
      expect(seq.filter((id) => id === 'light').length).toBe(110);
    },
  );

  it.each([
    [2, [10, 0]],
    [3, [10, 0, 0]],
  ])('2. P2C with %i endpoints and active requests %j never chooses the busy one in 10,000 picks', (n, load) => {
    const lb = new PowerOfTwoChoices({ endpoints: Array.from({ length: n }, (_, i) => ({ id: `e${i}` })), random: seededRandom(2) });
    const others = new Set(Array.from({ length: n - 1 }, (_, i) => `e${i + 1}`));
    for (let k = 0; k < (load[0] as number); k++) lb.pick({ exclude: others });
    expect(lb.activeRequests('e0')).toBe(10);
    for (let k = 0; k < 10_000; k++) {
      const lease = lb.pick();
      expect(lease.endpoint.id).not.toBe('e0');
      lease.release();
    }
  });

  it('3. least-connections with active [5, 5, 1, 1, 1] gives each of the three idle-most endpoints 1/3 ± 2 %', () => {
    const lb = new LeastConnections({ endpoints: Array.from({ length: 5 }, (_, i) => ({ id: `e${i}` })), random: seededRandom(3) });
    const load = [5, 5, 1, 1, 1];
    load.forEach((count, i) => {
      const exclude = new Set(Array.from({ length: 5 }, (_, j) => `e${j}`).filter((id) => id !== `e${i}`));
      for (let k = 0; k < count; k++) lb.pick({ exclude });
    });
    const counts = new Map<string, number>();
    const picks = 30_000;
    for (let k = 0; k < picks; k++) {
      const lease = lb.pick();
      counts.set(lease.endpoint.id, (counts.get(lease.endpoint.id) ?? 0) + 1);
      lease.release();
    }
    expect(counts.get('e0') ?? 0).toBe(0);
    expect(counts.get('e1') ?? 0).toBe(0);
    for (const id of ['e2', 'e3', 'e4']) expect(Math.abs((counts.get(id) ?? 0) / picks - 1 / 3)).toBeLessThanOrEqual(0.02);
  });

  describe.each(strategies)('4. $name: 4 endpoints, 3 unhealthy → panic over all 4; all unhealthy → still routes', ({ make }) => {
    it('routes over all 4 with a panic event, still routes with all 4 unhealthy, or fails typed when configured', () => {
      const endpoints = ['a', 'b', 'c', 'd'].map((id) => ({ id }));
      const lb = make({ endpoints, random: seededRandom(4) });
      let panics = 0;
      lb.on('panic', () => panics++);
      for (const id of ['a', 'b', 'c']) lb.setHealthy(id, false);
      expect(panics).toBe(1);
      const seen = new Set<string>();
      for (let k = 0; k < 500; k++) {
        const l = lb.pick({ key: `k${k}` });
        seen.add(l.endpoint.id);
        l.release();
      }
      expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd']);
      lb.setHealthy('d', false);
      for (let k = 0; k < 100; k++) lb.pick({ key: `k${k}` }).release();
      const strict = make({ endpoints, panicThreshold: 0 });
      for (const { id } of endpoints) strict.setHealthy(id, false);
      expect(() => strict.pick({ key: 'k' })).toThrowError(expect.objectContaining({ code: 'ERR_NO_HEALTHY_ENDPOINTS' }));
    });
  });

  describe.each(strategies)('5. $name: 1,000 requests, 30 % throw, 30 % reject, 20 % aborted', ({ make }) => {
    it('ends with every active counter at 0', async () => {
      const lb = make({ endpoints: ['a', 'b', 'c'].map((id) => ({ id })), random: seededRandom(5) });
      const random = seededRandom(55);
      // A client call: throws before returning a promise (30 %), rejects (30 %), is aborted (20 %), succeeds.
      const call = (i: number, signal: AbortSignal): Promise<void> => {
        const r = random();
        if (r < 0.3) throw new Error(`sync ${i}`);
        if (r < 0.6) return Promise.resolve().then(() => Promise.reject(new Error(`async ${i}`)));
        return new Promise<void>((resolve, reject) => {
          if (r < 0.8) {
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            queueMicrotask(() => controllers[i]?.abort(new Error('aborted')));
          } else queueMicrotask(resolve);
        });
      };
      const controllers: AbortController[] = [];
      const requests: Promise<void>[] = [];
      for (let i = 0; i < 1_000; i++) {
        const lease = lb.pick({ key: `req-${i}` });
        controllers[i] = new AbortController();
        const run = (async () => {
          let ok = false;
          try {
            await call(i, (controllers[i] as AbortController).signal);
            ok = true;
          } catch {
            // counted as a failure below
          } finally {
            lease.release({ ok });
          }
        })();
        requests.push(run);
      }
      expect(lb.endpoints.reduce((s, e) => s + (lb.activeRequests(e.id) ?? 0), 0)).toBeGreaterThan(0);
      await Promise.all(requests);
      for (const e of lb.endpoints) expect(lb.activeRequests(e.id)).toBe(0);
    });
  });

  describe.each(strategies)('6. $name: pick A, remove A, re-add A, pick A, release both', ({ make }) => {
    it('never drives a counter negative; the new A starts at 0', () => {
      const lb = make({ endpoints: [{ id: 'A' }] });
      const first = lb.pick();
      expect(lb.activeRequests('A')).toBe(1);
      lb.remove('A');
      lb.add({ id: 'A' });
      expect(lb.activeRequests('A')).toBe(0);
      const second = lb.pick();
      expect(second.endpoint.id).toBe('A');
      expect(lb.activeRequests('A')).toBe(1);
      first.release();
      expect(lb.activeRequests('A')).toBe(1);
      second.release();
      expect(lb.activeRequests('A')).toBe(0);
      first.release();
      second.release();
      expect(lb.activeRequests('A')).toBe(0);
    });
  });

  it('7a. peak EWMA: a new endpoint without samples gets a bounded share of 1,000 concurrent picks', () => {
    const clock = new ManualClock();
    const lb = new PeakEwma({ endpoints: ['w1', 'w2', 'w3'].map((id) => ({ id })), clock, random: seededRandom(7) });
    for (let k = 0; k < 300; k++) lb.pick().release({ ok: true, latencyMs: 50 });
    lb.add({ id: 'new' });
    const held: Lease<Endpoint>[] = [];
    let toNew = 0;
    for (let k = 0; k < 1_000; k++) {
      const l = lb.pick();
      if (l.endpoint.id === 'new') toNew++;
      held.push(l);
    }
    // Probed with one request at a time until it answers (Finagle's penalty), instead of being flooded.
    expect(toNew).toBeLessThanOrEqual(1);
    expect(toNew).toBeGreaterThanOrEqual(1);
    for (const l of held) l.release({ ok: true, latencyMs: 50 });
  });

  it('7b. peak EWMA: an endpoint failing every request in 1 ms does not look fastest', () => {
    const clock = new ManualClock();
    const lb = new PeakEwma({ endpoints: ['ok1', 'ok2', 'ok3', 'failing'].map((id) => ({ id })), clock, random: seededRandom(8) });
    const counts = new Map<string, number>();
    const held: Lease<Endpoint>[] = [];
    for (let k = 0; k < 20_000; k++) {
      const l = lb.pick();
      const id = l.endpoint.id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (id === 'failing') l.release({ ok: false, latencyMs: 1 });
      else held.push(l);
      // ten requests in flight on the healthy ones; each takes 50 ms
      if (held.length > 10) held.shift()?.release({ ok: true, latencyMs: 50 });
      clock.advance(1);
    }
    const failing = counts.get('failing') ?? 0;
    for (const id of ['ok1', 'ok2', 'ok3']) expect(failing).toBeLessThan((counts.get(id) ?? 0) / 2);
    expect(lb.stateOf('failing')?.latencyCostMs).toBeGreaterThan(50);
  });

  it.each([
    ['RoundRobin', () => new RoundRobin({ endpoints: [{ id: 'a' }, { id: 'b' }] })],
    ['WeightedRoundRobin smooth', () => new WeightedRoundRobin({ scheduler: 'smooth', endpoints: [{ id: 'a' }, { id: 'b' }] })],
    ['WeightedRoundRobin edf', () => new WeightedRoundRobin({ scheduler: 'edf', endpoints: [{ id: 'a' }, { id: 'b' }] })],
  ])('8. %s with 2 equal endpoints: peek does not advance; 1,000 picks split 50/50', (_name, make) => {
    const lb = make();
    const counts = { a: 0, b: 0 };
    for (let k = 0; k < 1_000; k++) {
      const peeked = lb.peek()?.id;
      expect(lb.peek()?.id).toBe(peeked);
      void lb.endpoints;
      lb.stateOf('a');
      const l = lb.pick();
      expect(l.endpoint.id).toBe(peeked);
      counts[l.endpoint.id as 'a' | 'b']++;
      l.release();
    }
    expect(counts).toEqual({ a: 500, b: 500 });
  });
});
