// The detector against a minimal round-robin balancer that has only what @scaling/load-balancer's
// contract gives it (setHealthy, pick, release with { ok, latencyMs }): traffic, ejection, one probe, return.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { OutlierDetector } from '../src/index.js';

class RoundRobin {
  readonly #ids: string[];
  readonly #down = new Set<string>();
  #next = 0;
  constructor(ids: string[]) {
    this.#ids = ids;
  }
  setHealthy(id: string, healthy: boolean): void {
    if (healthy) this.#down.delete(id);
    else this.#down.add(id);
  }
  /** Next healthy endpoint; like a panic threshold, falls back to all when none is healthy. */
  pick(): string {
    for (let i = 0; i < this.#ids.length; i++) {
      const id = this.#ids[this.#next++ % this.#ids.length] as string;
      if (!this.#down.has(id)) return id;
    }
    return this.#ids[this.#next++ % this.#ids.length] as string;
  }
}

describe('OutlierDetector wired to a balancer through setHealthy', () => {
  it('ejects a failing endpoint, lets exactly one probe through when its time is up, and takes it back once it recovers', () => {
    const clock = new ManualClock();
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const balancer = new RoundRobin(ids);
    const detector = new OutlierDetector({ target: balancer, clock, endpoints: ids });
    let broken = true;
    const hits = new Map<string, number>();
    const send = (n: number) => {
      for (let k = 0; k < n; k++) {
        let id = balancer.pick();
        while (!detector.admit(id)) id = balancer.pick();
        hits.set(id, (hits.get(id) ?? 0) + 1);
        // responses come back later for the probe: record it only when told to
        if (detector.stateOf(id) === 'probing') continue;
        detector.record(id, { ok: !(broken && id === 'c'), latencyMs: 5 });
      }
    };
    send(100);
    expect(detector.stateOf('c')).toBe('ejected');
    const before = hits.get('c') ?? 0;
    expect(before).toBe(5); // ejected at its 5th consecutive failure
    clock.advance(29_999);
    send(1_000);
    expect(hits.get('c')).toBe(before);
    clock.advance(1);
    send(1_000); // probation: the probe is in flight, nothing else may reach c
    expect(hits.get('c')).toBe(before + 1);
    broken = false;
    detector.record('c', { ok: true, latencyMs: 5 }); // the probe's response arrives
    expect(detector.stateOf('c')).toBe('healthy');
    send(1_000);
    expect((hits.get('c') as number) - before - 1).toBe(100);
    detector.stop();
  });

  it('a fleet-wide failure never ejects more than the cap: the pool does not erode', () => {
    const clock = new ManualClock();
    const ids = ['a', 'b', 'c'];
    const balancer = new RoundRobin(ids);
    const detector = new OutlierDetector({ target: balancer, clock, endpoints: ids, maxEjectionPercent: 10 });
    for (let k = 0; k < 300; k++) detector.record(balancer.pick(), { ok: false });
    expect(detector.ejectedCount).toBe(1);
    const picked = new Set(Array.from({ length: 30 }, () => balancer.pick()));
    expect(picked.size).toBe(2);
    detector.stop();
  });
});
