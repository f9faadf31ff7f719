// Issue "Existing packages: the faults …", point 12: states() says why a replica gets no reads.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { ReplicaRouter } from '../src/index.js';

function make() {
  const clock = new ManualClock();
  const router = new ReplicaRouter<string>({
    primary: 'primary',
    replicas: [{ id: 'a' }],
    maxLagMs: 100,
    maxLagBytes: 1_000,
    maxSampleAgeMs: 500,
    clock,
  });
  const state = () => router.states()[0];
  return { clock, router, state };
}

describe('states() gives the reason a replica is ineligible', () => {
  it('no sample yet', () => {
    const { state } = make();
    expect(state()).toMatchObject({ eligible: false, reason: 'no-sample' });
  });
  it('down, with the check error as detail', () => {
    const { router, state } = make();
    router.report('a', { healthy: false, detail: 'connect ECONNREFUSED 127.0.0.1:5433' });
    expect(state()).toMatchObject({ eligible: false, reason: 'down', detail: 'connect ECONNREFUSED 127.0.0.1:5433' });
  });
  it('marked down, with its detail', () => {
    const { router, state } = make();
    router.report('a', { healthy: true, lagMs: 0, lagBytes: 0 });
    router.markDown('a', 'connection error: terminating connection');
    expect(state()).toMatchObject({ eligible: false, reason: 'down', detail: 'connection error: terminating connection' });
  });
  it('stale sample', () => {
    const { router, state, clock } = make();
    router.report('a', { healthy: true, lagMs: 0, lagBytes: 0 });
    clock.advance(501);
    expect(state()).toMatchObject({ eligible: false, reason: 'stale-sample' });
  });
  it('lag unknown while a limit is set', () => {
    const { router, state } = make();
    router.report('a', { healthy: true, lagBytes: 0 });
    expect(state()).toMatchObject({ eligible: false, reason: 'lag-unknown' });
  });
  it('over maxLagMs / maxLagBytes, naming the limit', () => {
    const { router, state } = make();
    router.report('a', { healthy: true, lagMs: 101, lagBytes: 0 });
    expect(state()).toMatchObject({ eligible: false, reason: 'lag-ms' });
    expect(state()?.detail).toMatch(/maxLagMs 100/);
    router.report('a', { healthy: true, lagMs: 0, lagBytes: 1_001 });
    expect(state()).toMatchObject({ eligible: false, reason: 'lag-bytes' });
  });
  it('eligible: no reason', () => {
    const { router, state } = make();
    router.report('a', { healthy: true, lagMs: 0, lagBytes: 0 });
    expect(state()).toMatchObject({ eligible: true, reason: undefined, detail: undefined });
  });
});
