// Issue "Existing packages: the faults …", points 14 and 15 for the pool's events (kinds: re-entrant
// calls from callbacks; a throwing user callback leaves the structure broken): every pool method
// called from inside each event's listener works.
import { ManualClock } from '@scaling/core';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool, type ReplicatedPool } from '../src/index.js';
import { fakePool } from './_fakes.js';

const readOnly = () => Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' });

async function setup() {
  const primary = fakePool('primary', { standby: false });
  const r1 = fakePool('r1', { standby: true, failWhen: (sql) => (sql.includes('app_write') ? readOnly() : undefined) });
  const db = createReplicatedPool({ primary: primary.asPool(), replicas: [{ id: 'r1', pool: r1.asPool() }], clock: new ManualClock() });
  await db.ready();
  return { db, primary, r1 };
}

const reentries: Array<[string, (db: ReplicatedPool) => unknown]> = [
  ['query', (db) => db.query('SELECT 1')],
  ['query of the same text', (db) => db.query('SELECT app_write(1)')],
  ['session().query', (db) => db.session().query('SELECT 2')],
  ['transaction', (db) => db.transaction(async (c) => c.query('INSERT INTO t VALUES (1)'))],
  ['connect + release', (db) => db.connect().then((c) => c.release())],
  ['checkReplicas', (db) => db.checkReplicas()],
  ['stats and counters', (db) => [db.stats(), db.totalCount, db.idleCount, db.waitingCount]],
  ['end', (db) => db.end()],
];

describe('re-entrant calls from pool event listeners', () => {
  it.each(reentries)('read-retried listener calls %s', async (_name, call) => {
    const { db } = await setup();
    const results: unknown[] = [];
    let first = true;
    db.on('read-retried', () => {
      if (first) results.push(call(db)); // synchronously, inside the emit
      first = false;
    });
    await expect(db.query('SELECT app_write(1)')).resolves.toMatchObject({ rows: [{ served: 'primary' }] });
    await Promise.all(results);
    expect(results).toHaveLength(1);
    await db.end();
  });

  it.each(reentries)('error listener calls %s', async (_name, call) => {
    const { db, primary } = await setup();
    const results: unknown[] = [];
    db.on('error', () => {
      results.push(call(db));
    });
    for (const l of primary.errorListeners) l(new Error('idle client died'));
    await Promise.all(results);
    expect(results).toHaveLength(1);
    await db.end();
  });
});
