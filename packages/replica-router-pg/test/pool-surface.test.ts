// Issue "Existing packages: the faults …", point 11: ReplicatedPool offers the pg.Pool surface
// applications use — query forms, connect()/release(), on('error'), end(), counters — and `replicas`
// may be omitted (point 12).
import { ManualClock } from '@scaling/core';
import type { Pool, QueryResult } from 'pg';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool, ReplicatedPool } from '../src/index.js';
import { fakePool } from './_fakes.js';

async function setup() {
  const clock = new ManualClock();
  const primary = fakePool('primary', { standby: false });
  const r1 = fakePool('r1', { standby: true });
  const db = createReplicatedPool({ primary: primary.asPool(), replicas: [{ id: 'r1', pool: r1.asPool() }], clock });
  await db.ready();
  return { db, primary, r1, clock };
}

describe('the pg.Pool surface', () => {
  it('query(text), query(text, values), query(config), query(config, values), and a callback', async () => {
    const { db, primary, r1 } = await setup();
    await db.query('SELECT 1');
    await db.query('SELECT $1::int', [2]);
    await db.query({ text: 'SELECT 3', name: 'three' });
    await db.query({ text: 'INSERT INTO t VALUES ($1)' }, [4]);
    const viaCallback = await new Promise<QueryResult | undefined>((resolve, reject) => {
      const returned = db.query('SELECT 5', (err, result) => (err ? reject(err) : resolve(result)));
      expect(returned).toBeUndefined();
    });
    expect(viaCallback?.rows).toEqual([{ served: 'r1' }]);
    const failed = await new Promise<Error | null>((resolve) => db.query('BEGIN', [], (err) => resolve(err)));
    expect(failed?.name).toBe('TransactionNeedsSessionError');
    expect(r1.log).toEqual(['SELECT 1', 'SELECT $1::int', 'SELECT 3', 'SELECT 5']);
    expect(primary.log).toEqual(['INSERT INTO t VALUES ($1)']);
    await db.end();
  });

  it('code written against pg.Pool compiles and runs against it', async () => {
    const { db } = await setup();
    const repository = (pool: Pick<Pool, 'query'>) => ({
      find: async (id: number) => (await pool.query<{ served: string }>('SELECT * FROM t WHERE id = $1', [id])).rows[0],
    });
    expect(await repository(db as unknown as Pick<Pool, 'query'>).find(1)).toEqual({ served: 'r1' });
    const query: (text: string, values?: unknown[]) => Promise<QueryResult> = (t, v) => db.query(t, v);
    expect((await query('SELECT 1')).rows).toEqual([{ served: 'r1' }]);
    await db.end();
  });

  it('connect() hands out a primary connection; release() is idempotent and never pools one inside a transaction', async () => {
    const { db, primary } = await setup();
    const a = await db.connect();
    await a.query('SELECT 1');
    a.release();
    a.release(); // ignored
    const b = await db.connect();
    await b.query('BEGIN');
    await b.query('INSERT INTO t VALUES (1)');
    b.release(); // forgot COMMIT: closed, not pooled idle in transaction
    expect(primary.clients.map((c) => [c.released, c.destroyed, c.releasedInTransaction])).toEqual([
      [true, false, false],
      [true, true, false],
    ]);
    const c = await db.connect();
    c.release(new Error('broken'));
    expect(primary.clients[2]?.destroyed).toBe(true);
    await db.end();
  });

  it("on('error') receives idle-connection errors of every pool; a replica's marks it down", async () => {
    const { db, primary, r1 } = await setup();
    const errors: Error[] = [];
    const off = db.on('error', (e) => errors.push(e));
    for (const l of primary.errorListeners) l(new Error('primary idle client died'));
    for (const l of r1.errorListeners) l(new Error('replica idle client died'));
    expect(errors.map((e) => e.message)).toEqual(['primary idle client died', 'replica idle client died']);
    expect(db.router.states()[0]).toMatchObject({ eligible: false, reason: 'down' });
    off();
    // without a listener such errors are dropped (no crash)
    for (const l of primary.errorListeners) l(new Error('again'));
    expect(errors).toHaveLength(2);
    await db.end();
  });

  it('counters sum the pools; end() ends them once and stops every timer', async () => {
    const { db, primary, r1, clock } = await setup();
    primary.totalCount = 3;
    r1.totalCount = 2;
    r1.waitingCount = 1;
    expect([db.totalCount, db.idleCount, db.waitingCount]).toEqual([5, 2, 1]);
    expect(db.ended).toBe(false);
    await Promise.all([db.end(), db.end()]);
    expect(db.ended).toBe(true);
    expect(primary.ended && r1.ended).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('`replicas` may be omitted: everything goes to the primary', async () => {
    const clock = new ManualClock();
    const primary = fakePool('primary', { standby: false });
    const db = new ReplicatedPool({ primary: primary.asPool(), clock });
    expect(await db.ready()).toEqual([]);
    await db.query('SELECT 1');
    const s = db.session();
    await s.query('UPDATE t SET v = 1');
    await s.query('SELECT v FROM t');
    expect(primary.log).toEqual(['SELECT 1', 'UPDATE t SET v = 1', 'SELECT v FROM t']);
    await db.end();
  });
});
