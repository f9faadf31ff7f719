// Every balancer the router can be given must honour `exclude`, and the router must only ever hand
// out eligible replicas through it. Run against each strategy the router ships with or defaults to.
import { ManualClock, seededRandom } from '@scaling/core';
import {
  LeastConnections,
  PeakEwma,
  PowerOfTwoChoices,
  Random,
  RoundRobin,
  WeightedRandom,
  WeightedRoundRobin,
} from '@scaling/load-balancer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReplicaBalancerFactory, type ReplicaEndpoint, ReplicaRouter } from '../src/index.js';

// every @scaling/load-balancer strategy that needs no key (the router passes a key only when the caller gives one)
const strategies: Array<[string, ReplicaBalancerFactory<ReplicaEndpoint>]> = [
  ['RoundRobin (the default)', (rs) => new RoundRobin({ endpoints: rs })],
  ['WeightedRoundRobin', (rs) => new WeightedRoundRobin({ endpoints: rs })],
  ['Random', (rs) => new Random({ endpoints: rs, random: seededRandom(1) })],
  ['WeightedRandom', (rs) => new WeightedRandom({ endpoints: rs, random: seededRandom(2) })],
  ['LeastConnections', (rs) => new LeastConnections({ endpoints: rs, random: seededRandom(3) })],
  ['PowerOfTwoChoices', (rs) => new PowerOfTwoChoices({ endpoints: rs, random: seededRandom(4) })],
  ['PeakEwma', (rs) => new PeakEwma({ endpoints: rs, random: seededRandom(5) })],
];

const ids = ['a', 'b', 'c', 'd', 'e'];

describe.each(strategies)('balancer conformance: %s', (_name, factory) => {
  it('never picks an excluded endpoint', () => {
    fc.assert(
      fc.property(fc.array(fc.subarray(ids, { maxLength: ids.length - 1 }), { minLength: 1, maxLength: 30 }), (excludes) => {
        const balancer = factory(ids.map((id) => ({ id })));
        for (const ex of excludes) {
          const lease = balancer.pick({ exclude: new Set(ex) });
          expect(ex).not.toContain(lease.endpoint.id);
          lease.release({ ok: true, latencyMs: 1 });
        }
      }),
    );
  });

  it('spreads picks over every endpoint that is not excluded', () => {
    const balancer = factory(ids.map((id) => ({ id })));
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const lease = balancer.pick({ exclude: new Set(['a']) });
      seen.add(lease.endpoint.id);
      lease.release({ ok: true, latencyMs: 1 });
    }
    expect([...seen].sort()).toEqual(['b', 'c', 'd', 'e']);
  });

  it('behind the router, reads only reach replicas within the limits', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...ids), fc.integer({ min: 0, max: 200 })), { maxLength: 40 }), (samples) => {
        const router = new ReplicaRouter<string>({
          primary: 'primary',
          replicas: ids.map((id) => ({ id })),
          balancer: factory,
          maxLagMs: 100,
          clock: new ManualClock(),
        });
        const lag = new Map<string, number>();
        for (const [id, lagMs] of samples) {
          router.report(id, { healthy: true, lagMs, lagBytes: 0 });
          lag.set(id, lagMs);
          const lease = router.forRead();
          const e = lease.endpoint;
          if (typeof e === 'string') expect([...lag.values()].every((l) => l > 100)).toBe(true);
          else expect(lag.get(e.id)).toBeLessThanOrEqual(100);
          lease.release();
        }
      }),
    );
  });
});
