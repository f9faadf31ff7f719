// Issue "Existing packages: the faults …", point 10: SQLSTATE 25006 (read_only_sql_transaction) from a
// replica — a statement that wrote after all, e.g. an application function nobody declared — is retried
// once on the primary and reported through the `read-retried` event; later runs of that text go to the
// primary directly.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool, type ReplicatedPoolEvents } from '../src/index.js';
import { fakePool } from './_fakes.js';

const readOnly = () =>
  Object.assign(new Error('cannot execute nextval() in a read-only transaction'), { code: '25006', severity: 'ERROR' });

async function setup(writeFunctions?: Array<string | RegExp>) {
  const primary = fakePool('primary', { standby: false });
  const r1 = fakePool('r1', { standby: true, failWhen: (sql) => (sql.includes('app_enqueue') ? readOnly() : undefined) });
  const db = createReplicatedPool({
    primary: primary.asPool(),
    replicas: [{ id: 'r1', pool: r1.asPool() }],
    clock: new ManualClock(),
    ...(writeFunctions ? { writeFunctions } : {}),
  });
  await db.ready();
  return { db, primary, r1 };
}

describe('a read-only violation on a replica is retried once on the primary', () => {
  it('retried, reported by the event and the channel, and the text is a write from then on', async () => {
    const { db, primary, r1 } = await setup();
    const events: Array<ReplicatedPoolEvents['read-retried']> = [];
    db.on('read-retried', (e) => events.push(e));
    const published: unknown[] = [];
    const fn = (m: unknown) => published.push(m);
    subscribe('scaling:replica-router-pg:read-retried', fn);
    try {
      const r = await db.query('SELECT app_enqueue($1)', ['job']);
      expect(r.rows).toEqual([{ served: 'primary' }]);
    } finally {
      unsubscribe('scaling:replica-router-pg:read-retried', fn);
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ replica: 'r1', reason: 'read-only' });
    expect(events[0]?.error).toMatchObject({ code: '25006' });
    expect(published).toHaveLength(1);
    expect(db.stats().retries).toBe(1);
    await db.query('SELECT app_enqueue($1)', ['job']);
    expect(r1.log).toEqual(['SELECT app_enqueue($1)']);
    expect(primary.log).toEqual(['SELECT app_enqueue($1)', 'SELECT app_enqueue($1)']);
    // the replica is not marked down for it
    expect(db.router.states()[0]?.eligible).toBe(true);
    await db.end();
  });

  it('only once: a failure on the primary surfaces', async () => {
    const { db, primary } = await setup();
    primary.fail = (sql) => (sql.includes('app_enqueue') ? Object.assign(new Error('boom'), { code: 'XX000' }) : undefined);
    await expect(db.query('SELECT app_enqueue(1)')).rejects.toThrow('boom');
    expect(primary.log).toEqual(['SELECT app_enqueue(1)']);
    await db.end();
  });

  it('declared in writeFunctions, it never reaches the replica', async () => {
    const { db, primary, r1 } = await setup(['app_enqueue']);
    await db.query('SELECT app_enqueue($1)', ['job']);
    expect(r1.log).toEqual([]);
    expect(primary.log).toEqual(['SELECT app_enqueue($1)']);
    expect(db.stats().retries).toBe(0);
    await db.end();
  });

  it('a throwing read-retried listener does not break the read', async () => {
    const { db } = await setup();
    const original = process.nextTick;
    const rethrown: unknown[] = [];
    process.nextTick = ((fn: () => void) => {
      try {
        fn();
      } catch (e) {
        rethrown.push(e);
      }
    }) as typeof process.nextTick;
    try {
      db.on('read-retried', () => {
        throw new Error('listener bug');
      });
      await expect(db.query('SELECT app_enqueue(1)')).resolves.toMatchObject({ rows: [{ served: 'primary' }] });
    } finally {
      process.nextTick = original;
    }
    expect(rethrown).toEqual([new Error('listener bug')]);
    await db.end();
  });
});
