// One conformance suite, run against every strategy (unstorage's `testDriver` pattern).
import { isScalingError, ManualClock, seededRandom } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Endpoint, Lease } from '../src/index.js';
import { strategies } from './_strategies.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `e${i}` }));

describe.each(strategies)('$name conforms to LoadBalancer', ({ make, shares, tolerance }) => {
  it('throws ERR_NO_ENDPOINTS with no endpoints, and again once all are removed', () => {
    const lb = make({});
    expect(() => lb.pick()).toThrowError(expect.objectContaining({ code: 'ERR_NO_ENDPOINTS' }));
    lb.add({ id: 'a' });
    lb.pick().release();
    lb.remove('a');
    expect(() => lb.pick({ key: 'k' })).toThrowError(expect.objectContaining({ code: 'ERR_NO_ENDPOINTS' }));
  });

  it('rejects a duplicate id with ERR_DUPLICATE_ENDPOINT and a bad weight with RangeError', () => {
    const lb = make({ endpoints: [{ id: 'a' }] });
    expect(() => lb.add({ id: 'a' })).toThrowError(expect.objectContaining({ code: 'ERR_DUPLICATE_ENDPOINT' }));
    expect(() => lb.add({ id: 'b', weight: 0 })).toThrow(RangeError);
    expect(() => lb.add({ id: 'b', weight: Number.NaN })).toThrow(RangeError);
    expect(lb.endpoints.map((e) => e.id)).toEqual(['a']);
  });

  it('never picks an excluded endpoint, nor an unhealthy one outside panic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.nat(),
        (n, healthFlags, excludeFlags, seed) => {
          const lb = make({ endpoints: ids(n), random: seededRandom(seed), panicThreshold: 0 });
          for (let i = 0; i < n; i++) lb.setHealthy(`e${i}`, healthFlags[i] as boolean);
          const exclude = new Set(
            ids(n)
              .filter((_, i) => excludeFlags[i])
              .map((e) => e.id),
          );
          const allowed = ids(n).filter((_, i) => healthFlags[i] && !excludeFlags[i]);
          for (let k = 0; k < 50; k++) {
            if (allowed.length === 0) {
              expect(() => lb.pick({ exclude, key: `k${k}` })).toThrow();
              return;
            }
            const lease = lb.pick({ exclude, key: `k${k}` });
            expect(exclude.has(lease.endpoint.id)).toBe(false);
            expect(healthFlags[Number(lease.endpoint.id.slice(1))]).toBe(true);
            if (k % 3 === 0) lease.release();
          }
        },
      ),
    );
  });

  it('throws ERR_NO_ENDPOINTS when every endpoint is excluded', () => {
    const lb = make({ endpoints: ids(3) });
    const err = (() => {
      try {
        lb.pick({ exclude: new Set(['e0', 'e1', 'e2']) });
      } catch (e) {
        return e;
      }
    })();
    expect(isScalingError(err, 'ERR_NO_ENDPOINTS')).toBe(true);
  });

  it('routes across all endpoints in panic, emits `panic` once, then `recover`', () => {
    const lb = make({ endpoints: ids(4), random: seededRandom(1) });
    const events: string[] = [];
    lb.on('panic', (e) => events.push(`panic ${e.healthy}/${e.total}`));
    lb.on('recover', (e) => events.push(`recover ${e.healthy}/${e.total}`));
    lb.setHealthy('e0', false);
    lb.setHealthy('e1', false);
    expect(lb.panicking).toBe(false);
    lb.setHealthy('e2', false);
    expect(lb.panicking).toBe(true);
    const seen = new Set<string>();
    for (let k = 0; k < 400; k++) {
      const lease = lb.pick({ key: `k${k}` });
      seen.add(lease.endpoint.id);
      lease.release();
    }
    expect(seen.size).toBe(4);
    lb.setHealthy('e3', false);
    lb.pick().release();
    lb.setHealthy('e0', true);
    lb.setHealthy('e1', true);
    expect(events).toEqual(['panic 1/4', 'recover 2/4']);
  });

  it('with panicThreshold 0 and nothing healthy, throws ERR_NO_HEALTHY_ENDPOINTS', () => {
    const lb = make({ endpoints: ids(2), panicThreshold: 0 });
    lb.setHealthy('e0', false);
    lb.setHealthy('e1', false);
    expect(() => lb.pick()).toThrowError(expect.objectContaining({ code: 'ERR_NO_HEALTHY_ENDPOINTS' }));
  });

  it(`spreads picks ${shares === 'uniform' ? 'evenly' : shares === 'weights' ? 'in proportion to weight' : 'by weight, biased by load'} under steady concurrent load`, () => {
    const weights = [3, 1, 1];
    const lb = make({ endpoints: weights.map((weight, i) => ({ id: `e${i}`, weight })), random: seededRandom(7) });
    const counts = [0, 0, 0];
    const window: Lease<Endpoint>[] = [];
    const picks = 20_000;
    for (let k = 0; k < picks; k++) {
      const lease = lb.pick();
      const i = Number(lease.endpoint.id.slice(1));
      counts[i] = (counts[i] ?? 0) + 1;
      window.push(lease);
      if (window.length > 10) window.shift()?.release({ ok: true, latencyMs: 10 });
    }
    const total = weights.reduce((a, b) => a + b, 0);
    counts.forEach((c, i) => {
      const byWeight = (weights[i] as number) / total;
      if (shares === 'load-biased') {
        // Envoy's least-request: weights shape the shares, load pulls them toward even (between the two).
        expect(c / picks).toBeGreaterThanOrEqual(Math.min(byWeight, 1 / 3) - tolerance);
        expect(c / picks).toBeLessThanOrEqual(Math.max(byWeight, 1 / 3) + tolerance);
        if (i > 0) expect(c).toBeLessThan(counts[0] as number);
        return;
      }
      const expected = shares === 'weights' ? byWeight : 1 / 3;
      expect(Math.abs(c / picks - expected)).toBeLessThanOrEqual(tolerance);
    });
  });

  it('returns every active counter to zero once all leases are released, whatever the interleaving', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant('pick'), fc.constant('release'), fc.constant('remove'), fc.constant('add'), fc.constant('sick')), {
          maxLength: 80,
        }),
        fc.nat(),
        (ops, seed) => {
          const random = seededRandom(seed);
          const lb = make({ endpoints: ids(4), random });
          const held: Lease<Endpoint>[] = [];
          let next = 4;
          const removed: string[] = [];
          for (const op of ops) {
            const live = lb.endpoints;
            if (op === 'pick' && live.length > 0) held.push(lb.pick({ key: `k${held.length}` }));
            else if (op === 'release' && held.length > 0) held.splice((random() * held.length) | 0, 1)[0]?.release();
            else if (op === 'remove' && live.length > 0) {
              const id = (live[(random() * live.length) | 0] as Endpoint).id;
              lb.remove(id);
              removed.push(id);
            } else if (op === 'add') lb.add({ id: removed.length > 0 && random() < 0.7 ? (removed.pop() as string) : `e${next++}` });
            else if (op === 'sick' && live.length > 0) lb.setHealthy((live[(random() * live.length) | 0] as Endpoint).id, random() < 0.5);
            for (const e of lb.endpoints) expect(lb.activeRequests(e.id)).toBeGreaterThanOrEqual(0);
          }
          for (const l of held) {
            l.release();
            l.release();
          }
          for (const e of lb.endpoints) expect(lb.activeRequests(e.id)).toBe(0);
        },
      ),
    );
  });

  it('counts a lease released twice only once', () => {
    const lb = make({ endpoints: ids(1) });
    const a = lb.pick();
    const b = lb.pick();
    a.release();
    a.release();
    expect(lb.activeRequests('e0')).toBe(1);
    b.release();
    expect(lb.activeRequests('e0')).toBe(0);
  });

  it('keeps working while endpoints are added and removed between picks', () => {
    const lb = make({ endpoints: ids(3), random: seededRandom(3) });
    const held: Lease<Endpoint>[] = [];
    for (let k = 0; k < 300; k++) {
      held.push(lb.pick({ key: `k${k}` }));
      if (k % 7 === 0) lb.remove(`e${k % 5}`);
      if (k % 5 === 0 && lb.activeRequests(`e${k % 5}`) === undefined) lb.add({ id: `e${k % 5}` });
      if (k % 2 === 0) held.shift()?.release();
      for (const e of lb.endpoints) expect(lb.activeRequests(e.id)).toBeGreaterThanOrEqual(0);
    }
    for (const l of held) l.release();
    for (const e of lb.endpoints) expect(lb.activeRequests(e.id)).toBe(0);
  });

  it('reports every released lease to the outcome hook with its endpoint, ok and latency', () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const lb = make({ endpoints: ids(2), clock, onOutcome: (id, o) => seen.push(`${id} ${o.ok} ${o.latencyMs}`) });
    const a = lb.pick();
    const aId = a.endpoint.id;
    clock.advance(25);
    a.release({ ok: false });
    const b = lb.pick();
    const bId = b.endpoint.id;
    b.release({ ok: true, latencyMs: 7 });
    b.release({ ok: true, latencyMs: 9 });
    expect(seen).toEqual([`${aId} false 25`, `${bId} true 7`]);
  });

  it('reuses lease objects: a steady pick/release stream allocates no new lease', () => {
    const lb = make({ endpoints: ids(3) });
    const first = lb.pick();
    first.release();
    for (let k = 0; k < 10; k++) {
      const l = lb.pick({ key: `k${k}` });
      expect(l).toBe(first);
      l.release();
    }
  });

  it('reclaims a lease never released after leaseTimeoutMs, and ignores its late release', () => {
    const clock = new ManualClock();
    const outcomes: Array<boolean | undefined> = [];
    const lb = make({ endpoints: ids(1), clock, leaseTimeoutMs: 1_000, onOutcome: (_, o) => outcomes.push(o.ok) });
    const lost = lb.pick();
    clock.advance(500);
    const kept = lb.pick();
    expect(lb.activeRequests('e0')).toBe(2);
    clock.advance(800);
    expect(lb.activeRequests('e0')).toBe(1);
    lost.release();
    expect(lb.activeRequests('e0')).toBe(1);
    kept.release({ ok: true });
    expect(lb.activeRequests('e0')).toBe(0);
    expect(outcomes).toEqual([false, true]);
    expect(clock.pendingTimers).toBe(0);
    lb.close();
  });

  it('does not change its choices when state is inspected between picks', () => {
    const a = make({ endpoints: ids(5), random: seededRandom(11) });
    const b = make({ endpoints: ids(5), random: seededRandom(11) });
    const seqA: string[] = [];
    const seqB: string[] = [];
    for (let k = 0; k < 200; k++) {
      void b.endpoints;
      b.stateOf('e1');
      b.activeRequests('e2');
      (b as { peek?: () => unknown }).peek?.();
      const la = a.pick({ key: `k${k}` });
      const lb2 = b.pick({ key: `k${k}` });
      seqA.push(la.endpoint.id);
      seqB.push(lb2.endpoint.id);
      if (k % 3 !== 0) {
        la.release({ ok: true, latencyMs: 5 });
        lb2.release({ ok: true, latencyMs: 5 });
      }
    }
    expect(seqB).toEqual(seqA);
  });
});
