// Routing of the pg adapter over fake pools (no server): which pool each statement reaches, and what
// happens when a replica fails at connection level.
import { isScalingError, ManualClock } from '@scaling/core';
import { LeastConnections } from '@scaling/load-balancer';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool, type PgReplica } from '../src/index.js';

interface FakePool {
  log: string[];
  fail: Error | undefined;
  replayLsn: string;
  query(text: string | { text: string }, values?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<unknown>;
  on(): FakePool;
  end(): Promise<void>;
}

function fakePool(name: string, standby: boolean): FakePool {
  const pool: FakePool = {
    log: [],
    fail: undefined,
    replayLsn: '0/100',
    async query(text) {
      const sql = typeof text === 'string' ? text : text.text;
      if (sql.includes('pg_last_xact_replay_timestamp')) {
        if (pool.fail) throw pool.fail;
        return { rows: [{ standby, replay: pool.replayLsn, lag_bytes: 0, since_replay_ms: 5 }] };
      }
      if (sql.includes('pg_current_wal')) return { rows: [{ lsn: '0/200', standby }] };
      pool.log.push(sql);
      if (pool.fail) throw pool.fail;
      return { rows: [{ served: name }] };
    },
    async connect() {
      return {
        query: (t: string, v?: unknown[]) => pool.query(t, v),
        release() {},
        on() {},
        removeListener() {},
      };
    },
    on() {
      return pool;
    },
    async end() {},
  };
  return pool;
}

async function setup() {
  const clock = new ManualClock();
  const primary = fakePool('primary', false);
  const r1 = fakePool('r1', true);
  const r2 = fakePool('r2', true);
  const db = createReplicatedPool({
    primary: primary as unknown as Pool,
    replicas: [
      { id: 'r1', pool: r1 as unknown as Pool },
      { id: 'r2', pool: r2 as unknown as Pool },
    ],
    clock,
  });
  await db.ready();
  return { db, primary, r1, r2, clock };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });

describe('pg adapter routing over fake pools', () => {
  it('sends reads to replicas and writes to the primary', async () => {
    const { db, primary, r1, r2 } = await setup();
    await db.query('SELECT 1');
    await db.query('SELECT 2');
    await db.query('INSERT INTO t VALUES (1)');
    await db.query({ text: 'select 3' });
    expect(primary.log).toEqual(['INSERT INTO t VALUES (1)']);
    expect([...r1.log, ...r2.log].sort()).toEqual(['SELECT 1', 'SELECT 2', 'select 3']);
    expect(db.stats()).toMatchObject({ primary: 1, replicaReads: 3, retries: 0, queries: 4, errors: 0 });
    expect(db.stats().replicas).toMatchObject({ r1: { reads: 2, failures: 0 }, r2: { reads: 1, failures: 0 } });
    await db.end();
  });

  it('a connection-level error on a replica marks it down and the read is retried, without surfacing', async () => {
    const { db, primary, r1, r2 } = await setup();
    r1.fail = refused();
    for (let i = 0; i < 4; i++) await expect(db.query('SELECT 1')).resolves.toBeDefined();
    expect(r1.log.length).toBe(1);
    expect(r2.log.length).toBe(4);
    r2.fail = refused();
    await expect(db.query('SELECT 1')).resolves.toEqual({ rows: [{ served: 'primary' }] });
    expect(primary.log).toEqual(['SELECT 1']);
    expect(db.router.states().map((s) => s.healthy)).toEqual([false, false]);
    // the next passing check brings them back
    r1.fail = undefined;
    r2.fail = undefined;
    await db.checkReplicas();
    expect(db.router.states().map((s) => s.eligible)).toEqual([true, true]);
    await db.end();
  });

  it('SQL errors from a replica are not retried', async () => {
    const { db, r1, r2 } = await setup();
    r1.fail = Object.assign(new Error('relation "t" does not exist'), { code: '42P01' });
    r2.fail = r1.fail;
    await expect(db.query('SELECT * FROM t')).rejects.toThrow(/does not exist/);
    expect(db.stats().retries).toBe(0);
    await db.end();
  });

  it('a conflict with recovery on a replica is answered by the primary', async () => {
    const { db, primary, r1, r2 } = await setup();
    r1.fail = Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' });
    r2.fail = r1.fail;
    await expect(db.query('SELECT 1')).resolves.toEqual({ rows: [{ served: 'primary' }] });
    expect(primary.log).toEqual(['SELECT 1']);
    await db.end();
  });

  it('BEGIN through the pool is refused with a clear error', async () => {
    const { db } = await setup();
    await expect(db.query('BEGIN')).rejects.toSatisfy((e) => isScalingError(e, 'ERR_TRANSACTION_NEEDS_SESSION'));
    await db.end();
  });

  it('a session write records the primary position; its reads then need a replica at that position', async () => {
    const { db, primary, r1, r2 } = await setup();
    const session = db.session();
    await session.query('UPDATE t SET v = 1');
    expect(session.lsn).toBe('0/200');
    await session.query('SELECT v FROM t');
    expect(primary.log).toEqual(['UPDATE t SET v = 1', 'SELECT v FROM t']);
    r2.replayLsn = '0/200';
    await db.checkReplicas();
    await session.query('SELECT v FROM t');
    expect(r2.log).toEqual(['SELECT v FROM t']);
    expect(r1.log).toEqual([]);
    await db.end();
  });

  it('checks run every checkIntervalMs on the clock and stop at end()', async () => {
    const { db, r1, clock } = await setup();
    r1.fail = refused();
    await clock.advanceAsync(1_000);
    expect(db.router.states()[0]?.healthy).toBe(false);
    await db.end();
    expect(clock.pendingTimers).toBe(0);
  });

  it('releases every balancer lease once its read settles (least-connections counts return to 0)', async () => {
    const clock = new ManualClock();
    const primary = fakePool('primary', false);
    const r1 = fakePool('r1', true);
    const r2 = fakePool('r2', true);
    let lb: LeastConnections<PgReplica> | undefined;
    const db = createReplicatedPool({
      primary: primary as unknown as Pool,
      replicas: [
        { id: 'r1', pool: r1 as unknown as Pool },
        { id: 'r2', pool: r2 as unknown as Pool },
      ],
      balancer: (rs) => {
        lb = new LeastConnections({ endpoints: rs, clock });
        return lb;
      },
      clock,
    });
    await db.ready();
    r2.fail = refused();
    await Promise.all(Array.from({ length: 20 }, (_, i) => db.query(`SELECT ${i}`)));
    expect(lb?.activeRequests('r1')).toBe(0);
    expect(lb?.activeRequests('r2')).toBe(0);
    expect(r1.log.length).toBe(20);
    await db.end();
  });

  it('rejects bad options naming them', () => {
    expect(() => createReplicatedPool({ primary: 42 as unknown as string, replicas: [] })).toThrow(/`primary`/);
    expect(() => createReplicatedPool({ primary: 'postgres://x', replicas: 'r' as unknown as [] })).toThrow(/`replicas`/);
    expect(() => createReplicatedPool({ primary: 'postgres://x', replicas: [], checkIntervalMs: 0 })).toThrow(RangeError);
  });
});
