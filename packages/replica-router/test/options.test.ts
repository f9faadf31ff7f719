// Issue "Existing packages: the faults …", point 18 (kind: options from the libraries people migrate
// from are silently ignored). Every options object of the package: not an object → TypeError; an
// unknown key → TypeError naming it, with a hint for pgpool-II / Rails names.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { ReplicaHealth, ReplicaRouter, SqlClassifier } from '../src/index.js';

const router = () => new ReplicaRouter<string>({ primary: 'p', replicas: [{ id: 'a' }], clock: new ManualClock() });
const probe = async () => ({ lagMs: 0 });

const objects: Array<[string, (options: unknown) => unknown, Record<string, unknown>, Array<[string, RegExp]>]> = [
  [
    'ReplicaRouter',
    (o) => new ReplicaRouter(o as never),
    { primary: 'p' },
    [
      ['delay_threshold', /maxLagBytes/],
      ['delay_threshold_by_time', /maxLagMs/],
      ['delay', /stickinessMs/],
    ],
  ],
  [
    'ReplicaHealth',
    (o) => new ReplicaHealth(router(), o as never),
    { probe },
    [
      ['sr_check_period', /intervalMs/],
      ['health_check_timeout', /timeoutMs/],
      ['rise', /healthyThreshold/],
    ],
  ],
  [
    'SqlClassifier',
    (o) => new SqlClassifier(o as never),
    {},
    [
      ['write_function_list', /writeFunctions/],
      ['max', /maxEntries/],
    ],
  ],
];

describe.each(objects)('%s options', (name, construct, valid, hinted) => {
  it('accepts the valid minimum', () => {
    expect(() => construct(valid)).not.toThrow();
  });
  it('rejects a value that is not an object', () => {
    for (const bad of [null, 42, 'x', []]) expect(() => construct(bad)).toThrow(TypeError);
  });
  it('rejects an unknown key, naming it', () => {
    expect(() => construct({ ...valid, colour: 'blue' })).toThrow(TypeError);
    expect(() => construct({ ...valid, colour: 'blue' })).toThrow(/`colour`/);
    expect(() => construct({ ...valid, colour: 'blue' })).toThrow(new RegExp(name));
  });
  it.each(hinted)('hints at our name for %s', (key, hint) => {
    expect(() => construct({ ...valid, [key]: 1 })).toThrow(hint);
  });
});

describe('endpoint records keep their extra fields (not options)', () => {
  it('replicas may carry any fields', () => {
    const r = new ReplicaRouter<string, { id: string; url: string }>({ primary: 'p', replicas: [{ id: 'a', url: 'postgres://a' }] });
    expect(r.replicas[0]?.url).toBe('postgres://a');
  });
});
