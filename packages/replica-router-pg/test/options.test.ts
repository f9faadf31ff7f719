// Issue "Existing packages: the faults …", point 18 (kind: options from the libraries people migrate
// from are silently ignored), for every options object of this package: createReplicatedPool's, and
// the router's and classifier's that it fills (their own sweep is in @scaling/replica-router).
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool } from '../src/index.js';
import { fakePool } from './_fakes.js';

const valid = () => ({ primary: fakePool('primary', { standby: false }).asPool(), clock: new ManualClock() });

describe('ReplicatedPool options', () => {
  it('rejects a value that is not an object', () => {
    for (const bad of [undefined, null, 42, 'postgres://x', []]) expect(() => createReplicatedPool(bad as never)).toThrow(TypeError);
  });

  it('rejects an unknown key, naming it', () => {
    expect(() => createReplicatedPool({ ...valid(), colour: 'blue' } as never)).toThrow(
      /Unknown option `colour` in ReplicatedPool options/,
    );
  });

  it.each([
    ['delay_threshold', /maxLagBytes/],
    ['delay_threshold_by_time', /maxLagMs/],
    ['sr_check_period', /checkIntervalMs/],
    ['health_check_timeout', /checkTimeoutMs/],
    ['write_function_list', /writeFunctions/],
    ['disable_load_balance_on_write', /readYourWrites/],
    ['backend_weight', /weight/],
    ['connectionString', /primary/],
    ['max', /pool and connection settings/],
    ['idleTimeoutMillis', /pool and connection settings/],
  ])('hints at our name for %s', (key, hint) => {
    expect(() => createReplicatedPool({ ...valid(), [key]: 1 } as never)).toThrow(hint);
  });

  it('rejects bad values naming them (checked before any pool is created)', () => {
    expect(() => createReplicatedPool({ primary: 42 as unknown as string })).toThrow(/`primary`/);
    expect(() => createReplicatedPool({ ...valid(), replicas: 'r' as unknown as [] })).toThrow(/`replicas`/);
    expect(() => createReplicatedPool({ ...valid(), checkTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => createReplicatedPool({ ...valid(), writeFunctions: [7 as unknown as string] })).toThrow(/`writeFunctions\[0\]`/);
    expect(() => createReplicatedPool({ ...valid(), clock: { now: () => 0 } as never })).toThrow(/`clock`/);
    expect(() => createReplicatedPool({ ...valid(), maxLagMs: -1 })).toThrow(/`maxLagMs`/);
  });
});
