// Issue 13 points 4, 14, 15 and 18 for the load balancer, and issue 14's public Strategy interface:
// no-outcome releases, every options object checked, every user callback (listener, random source,
// clock, custom hash, strategy hook) either works re-entrantly or fails with a clear coded error, and
// never leaves the balancer broken.
import { type Clock, isScalingError, ManualClock, seededRandom } from '@scaling/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Balancer,
  ConsistentHashing,
  type Endpoint,
  type Lease,
  type OutcomeEvent,
  PeakEwma,
  PowerOfTwoChoices,
  ReentrantCallError,
  RoundRobin,
  type Strategy,
  StrategyError,
  WeightedRoundRobin,
} from '../src/index.js';
import { TestRendezvous } from './_rendezvous.js';
import { strategies } from './_strategies.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `e${i}` }));
const firstEligible: Strategy = {
  pick(ctx, options) {
    for (let p = 0; p < ctx.size; p++) if (ctx.eligible(p, options?.exclude)) return p;
    return -1;
  },
};
const all = [
  ...strategies.map((s) => [s.name, s.make] as const),
  ['Balancer (custom strategy)', (o: object) => new Balancer({ ...o, strategy: firstEligible })] as const,
];
const totalActive = (lb: { endpoints: readonly Endpoint[]; activeRequests(id: string): number | undefined }) =>
  lb.endpoints.reduce((s, e) => s + (lb.activeRequests(e.id) ?? 0), 0);

describe('a release without an outcome is no outcome (issue 13 point 4)', () => {
  it.each(all)('%s: release() and release({}) carry no `ok`; release({ ok }) does', (_name, make) => {
    const lb = make({ endpoints: ids(2) });
    const seen: OutcomeEvent[] = [];
    lb.on('outcome', (e) => seen.push(e));
    lb.pick({ key: 'a' }).release();
    lb.pick({ key: 'b' }).release({});
    lb.pick({ key: 'c' }).release({ ok: false, latencyMs: 3 });
    lb.pick({ key: 'd' }).release({ ok: true, latencyMs: 4 });
    expect(seen.map((e) => e.ok)).toEqual([undefined, undefined, false, true]);
    expect(seen.map((e) => 'ok' in e)).toEqual([false, false, true, true]);
    expect(totalActive(lb)).toBe(0);
  });
});

describe('every options object rejects unknown keys (issue 13 kind: silently ignored options)', () => {
  it.each(all)('%s: an unknown key is a TypeError naming it; Envoy names get a hint', (_name, make) => {
    const bad = (o: object) => () => make(o as never);
    expect(bad({ maxAge: 1 })).toThrow(/Unknown option `maxAge`/);
    expect(bad({ healthy_panic_threshold: 50 })).toThrow(/`panicThreshold`/);
    expect(bad({ slowStart: { windowMs: 1, slow_start_window: 1 } })).toThrow(/`windowMs`/);
    expect(bad({ slowStart: 'fast' })).toThrow(TypeError);
  });

  it('strategy-specific options are accepted only where they apply', () => {
    expect(() => new RoundRobin({ scheduler: 'edf' } as never)).toThrow(/Unknown option `scheduler`/);
    expect(() => new WeightedRoundRobin({ activeRequestBias: 1 } as never)).toThrow(/Unknown option `activeRequestBias`/);
    expect(() => new PowerOfTwoChoices({ choice_count: 3 } as never)).toThrow(/draws two/);
    expect(() => new PeakEwma({ decay: 1 } as never)).toThrow(/Unknown option `decay`/);
    expect(() => new ConsistentHashing({ boundedLoad: { hash_balance_factor: 125 } } as never)).toThrow(/1\.25/);
    expect(() => new ConsistentHashing({ balanceFactor: 1.25 } as never)).toThrow(/boundedLoad/);
    expect(() => new Balancer({} as never)).toThrow(/strategy/);
    expect(() => new Balancer({ strategy: {} } as never)).toThrow(/strategy\.pick/);
  });

  it.each(all)('%s: endpoint objects keep their extra fields (user data is not options)', (_name, make) => {
    const upstream = { id: 'a', url: 'http://10.0.0.1:8080', zone: 'eu-1' };
    const lb = make({ endpoints: [upstream] });
    const lease = lb.pick({ key: 'k' });
    expect(lease.endpoint).toBe(upstream);
    expect(lb.endpoints[0]).toEqual(upstream);
    lease.release();
  });
});

describe('user callbacks never leave the balancer broken (issue 13 kinds: re-entrant / throwing callbacks)', () => {
  const ticks: Array<() => void> = [];
  afterEach(() => {
    vi.restoreAllMocks();
    ticks.length = 0;
  });
  /** Listener errors are rethrown on process.nextTick (docs/events.md): capture them instead. */
  const captureTicks = () => vi.spyOn(process, 'nextTick').mockImplementation(((fn: () => void) => void ticks.push(fn)) as never);

  it.each(all)('%s: listeners may call back in (setHealthy, pick, add, remove) during outcome and panic events', (_name, make) => {
    const lb = make({ endpoints: ids(4), random: seededRandom(1) });
    let nested: Lease<Endpoint> | undefined;
    lb.on('outcome', (e) => {
      if (e.ok === false) lb.setHealthy(e.id, false);
      if (nested === undefined) nested = lb.pick({ key: 'nested' });
    });
    lb.on('panic', () => {
      if (lb.activeRequests('spare') === undefined) lb.add({ id: 'spare' });
      lb.remove('e0');
    });
    for (let k = 0; k < 4; k++) lb.pick({ key: `k${k}` }).release({ ok: false });
    nested?.release({ ok: true });
    expect(lb.endpoints.some((e) => e.id === 'spare')).toBe(true);
    expect(totalActive(lb)).toBe(0);
    lb.pick({ key: 'after' }).release({ ok: true });
  });

  it.each(all)('%s: a throwing listener (and the deprecated onOutcome) does not break picks or counts', (_name, make) => {
    captureTicks();
    const lb = make({
      endpoints: ids(3),
      onOutcome: () => {
        throw new Error('onOutcome failed');
      },
    });
    lb.on('outcome', () => {
      throw new Error('listener failed');
    });
    lb.on('panic', () => {
      throw new Error('panic listener failed');
    });
    for (let k = 0; k < 10; k++) lb.pick({ key: `k${k}` }).release({ ok: true, latencyMs: 1 });
    lb.setHealthy('e0', false);
    lb.setHealthy('e1', false);
    expect(lb.panicking).toBe(true);
    expect(totalActive(lb)).toBe(0);
    expect(ticks.length).toBe(21);
    for (const t of ticks) expect(t).toThrow(/failed/);
  });

  it.each(all)('%s: a throwing random source or clock fails the pick without leaking a count', (_name, make) => {
    let failRandom = false;
    const random = seededRandom(3);
    const manual = new ManualClock();
    let failClock = false;
    const clock: Clock = {
      now: () => {
        if (failClock) throw new Error('clock failed');
        return manual.now();
      },
      setTimeout: (fn, ms) => {
        if (failClock) throw new Error('timer failed');
        return manual.setTimeout(fn, ms);
      },
      clearTimeout: (h) => manual.clearTimeout(h),
    };
    const lb = make({
      endpoints: ids(3),
      clock,
      leaseTimeoutMs: 1_000,
      random: () => {
        if (failRandom) throw new Error('random failed');
        return random();
      },
    });
    failClock = true;
    expect(() => lb.pick({ key: 'k' })).toThrow(/(clock|timer) failed/);
    failClock = false;
    failRandom = true;
    try {
      lb.pick().release(); // strategies that draw nothing pick anyway
    } catch (e) {
      expect((e as Error).message).toBe('random failed');
    }
    failRandom = false;
    expect(totalActive(lb)).toBe(0);
    lb.pick({ key: 'k' }).release({ ok: true });
    expect(totalActive(lb)).toBe(0);
    lb.close();
  });

  it('ConsistentHashing: a custom hash that throws or calls back in leaves balancer and hash in step', () => {
    const inner = new TestRendezvous();
    let mode: 'ok' | 'throw' | 'reenter' = 'ok';
    let inLookup = false;
    let lb: ConsistentHashing;
    const hash = {
      addNode: (n: string, w?: number) => {
        if (mode === 'throw') throw new Error('hash add failed');
        if (mode === 'reenter') lb.add({ id: `${n}-twin` });
        inner.addNode(n, w);
      },
      removeNode: (n: string) => {
        if (mode === 'throw') throw new Error('hash remove failed');
        if (mode === 'reenter') lb.remove('e0');
        return inner.removeNode(n);
      },
      getNode: (k: string | Uint8Array) => {
        if (mode === 'throw') throw new Error('hash lookup failed');
        if (mode === 'reenter' && !inLookup) {
          inLookup = true;
          lb.pick({ key: 'inner' }).release();
          inLookup = false;
        }
        return inner.getNode(k);
      },
      getNodes: (k: string | Uint8Array, c: number) => inner.getNodes(k, c),
    };
    lb = new ConsistentHashing({ hash, endpoints: ids(3) });
    mode = 'throw';
    expect(() => lb.add({ id: 'x' })).toThrow('hash add failed');
    expect(() => lb.remove('e1')).toThrow('hash remove failed');
    expect(() => lb.pick({ key: 'k' })).toThrow('hash lookup failed');
    mode = 'reenter';
    const err = (() => {
      try {
        lb.add({ id: 'y' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ReentrantCallError);
    expect(isScalingError(err, 'ERR_REENTRANT_CALL')).toBe(true);
    expect(() => lb.remove('e2')).toThrow(ReentrantCallError);
    lb.pick({ key: 'k' }).release(); // a pick from inside the hash's lookup works
    mode = 'ok';
    expect(lb.endpoints.map((e) => e.id).sort()).toEqual(['e0', 'e1', 'e2']);
    expect(inner.size).toBe(3);
    expect(totalActive(lb)).toBe(0);
    lb.add({ id: 'x' });
    expect(inner.size).toBe(4);
  });

  it('Balancer: throwing or re-entrant strategy hooks leave it consistent; a bad position is a StrategyError', () => {
    let mode: 'ok' | 'throw' | 'reenter' | 'bad' = 'ok';
    let lb: Balancer;
    const strategy: Strategy = {
      pick(ctx, options) {
        if (mode === 'throw') throw new Error('pick failed');
        if (mode === 'bad') return 99;
        if (mode === 'reenter') {
          mode = 'ok';
          lb.pick().release(); // a nested pick works
          mode = 'reenter';
        }
        return firstEligible.pick(ctx, options);
      },
      added() {
        if (mode === 'throw') throw new Error('added failed');
        if (mode === 'reenter') lb.add({ id: 'nested' });
      },
      removed() {
        if (mode === 'throw') throw new Error('removed failed');
      },
      released() {
        if (mode === 'throw') throw new Error('released failed');
      },
    };
    lb = new Balancer({ strategy, endpoints: ids(2) });
    const held = lb.pick();
    mode = 'throw';
    expect(() => lb.pick()).toThrow('pick failed');
    expect(() => lb.add({ id: 'x' })).toThrow('added failed');
    expect(lb.activeRequests('x')).toBeUndefined();
    expect(() => held.release({ ok: true })).toThrow('released failed');
    expect(totalActive(lb)).toBe(0);
    expect(() => lb.remove('e1')).toThrow('removed failed');
    expect(lb.endpoints.map((e) => e.id)).toEqual(['e0']);
    mode = 'reenter';
    expect(() => lb.add({ id: 'y' })).toThrow(ReentrantCallError);
    expect(lb.endpoints.map((e) => e.id)).toEqual(['e0']);
    lb.pick().release();
    mode = 'bad';
    expect(() => lb.pick()).toThrow(StrategyError);
    mode = 'ok';
    expect(totalActive(lb)).toBe(0);
  });
});

describe('a strategy written against the public Strategy interface (issue 14: pluggable strategies)', () => {
  /** Fewest picks so far (not active requests), ties to the lowest position: its own per-endpoint state. */
  class FewestPicks implements Strategy {
    picks: number[] = [];
    outcomes: Array<boolean | undefined> = [];
    pick(ctx: Parameters<Strategy['pick']>[0], options: Parameters<Strategy['pick']>[1]): number {
      let best = -1;
      for (let p = 0; p < ctx.size; p++) {
        if (!ctx.eligible(p, options?.exclude)) continue;
        if (best < 0 || (this.picks[p] ?? 0) < (this.picks[best] ?? 0)) best = p;
      }
      if (best >= 0) this.picks[best] = (this.picks[best] ?? 0) + 1;
      return best;
    }
    added(position: number): void {
      this.picks[position] = 0;
    }
    removed(position: number, movedFrom: number): void {
      this.picks[position] = this.picks[movedFrom] ?? 0;
      this.picks.length = movedFrom;
    }
    released(_position: number, outcome: OutcomeEvent): void {
      this.outcomes.push(outcome.ok);
    }
  }

  it('gets membership, health, panic, exclusion, leases and outcomes from the balancer', () => {
    const strategy = new FewestPicks();
    const lb = new Balancer({ strategy, endpoints: ids(3), panicThreshold: 0 });
    const seq = Array.from({ length: 6 }, () => {
      const l = lb.pick();
      l.release({ ok: true });
      return l.endpoint.id;
    });
    expect(seq).toEqual(['e0', 'e1', 'e2', 'e0', 'e1', 'e2']);
    lb.setHealthy('e1', false);
    expect(lb.pick({ exclude: new Set(['e0']) }).endpoint.id).toBe('e2');
    lb.remove('e0'); // e2 moves into position 0 and keeps its count
    expect(strategy.picks).toEqual([3, 2]);
    lb.add({ id: 'e3' });
    expect(lb.pick().endpoint.id).toBe('e3');
    lb.setHealthy('e2', false);
    lb.setHealthy('e3', false);
    expect(() => lb.pick()).toThrowError(expect.objectContaining({ code: 'ERR_NO_HEALTHY_ENDPOINTS' }));
    expect(strategy.outcomes).toEqual([true, true, true, true, true, true]);
  });
});
