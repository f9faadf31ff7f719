// Transaction pinning over fake pools (no server): which texts the pool refuses, and when a session
// pins and unpins its primary connection. Multi-statement texts are analysed statement by statement.
import { isScalingError, ManualClock } from '@scaling/core';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool } from '../src/index.js';

interface FakeClient {
  id: number;
  log: string[];
  released: boolean;
  destroyed: boolean;
}

/** A primary whose `connect()` hands out numbered clients that log their statements and their release. */
function fakePrimary() {
  const clients: FakeClient[] = [];
  const poolLog: string[] = [];
  let fail: ((sql: string) => Error | undefined) | undefined;
  const primary = {
    clients,
    poolLog,
    failWhen(f: (sql: string) => Error | undefined) {
      fail = f;
    },
    async query(text: string | { text: string }) {
      const sql = typeof text === 'string' ? text : text.text;
      if (sql.includes('pg_current_wal')) return { rows: [{ lsn: '0/200', standby: false }] };
      poolLog.push(sql);
      return { rows: [] };
    },
    async connect() {
      const c: FakeClient = { id: clients.length, log: [], released: false, destroyed: false };
      clients.push(c);
      return {
        async query(t: string) {
          if (t.includes('pg_current_wal')) return { rows: [{ lsn: '0/200', standby: false }] };
          c.log.push(t);
          const e = fail?.(t);
          if (e) throw e;
          return { rows: [] };
        },
        release(err?: Error) {
          c.released = true;
          c.destroyed = err !== undefined;
        },
        on() {},
        removeListener() {},
      };
    },
    on() {
      return primary;
    },
    async end() {},
  };
  return primary;
}

function replica() {
  return {
    async query(text: string | { text: string }) {
      const sql = typeof text === 'string' ? text : text.text;
      if (sql.includes('pg_last_xact_replay_timestamp'))
        return { rows: [{ standby: true, replay: '0/100', lag_bytes: 0, since_replay_ms: 5 }] };
      return { rows: [] };
    },
    async connect() {
      throw new Error('not used');
    },
    on() {
      return this;
    },
    async end() {},
  };
}

async function setup(readYourWrites: 'off' | 'position' = 'off') {
  const primary = fakePrimary();
  const db = createReplicatedPool({
    primary: primary as unknown as Pool,
    replicas: [{ id: 'r1', pool: replica() as unknown as Pool }],
    readYourWrites,
    clock: new ManualClock(),
  });
  await db.ready();
  return { db, primary };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isScalingError(e) ? e.code : String(e);
  }
}

describe('transaction pinning with multi-statement texts', () => {
  it('multi-statement transaction control (tester report): pool.query("BEGIN; INSERT …") is refused with ERR_TRANSACTION_NEEDS_SESSION and runs nothing', async () => {
    const { db, primary } = await setup();
    expect(await codeOf(db.query("BEGIN; INSERT INTO t VALUES ('first')"))).toBe('ERR_TRANSACTION_NEEDS_SESSION');
    expect(await codeOf(db.query('start transaction; update t set v = 1;'))).toBe('ERR_TRANSACTION_NEEDS_SESSION');
    expect(await codeOf(db.query('COMMIT; BEGIN'))).toBe('ERR_TRANSACTION_NEEDS_SESSION');
    expect(primary.poolLog).toEqual([]);
    expect(primary.clients).toEqual([]);
    await db.end();
  });

  it('pool.query accepts a text that closes the transaction it opens', async () => {
    const { db, primary } = await setup();
    await db.query('BEGIN; INSERT INTO t VALUES (1); COMMIT');
    await db.query('DO $$ BEGIN PERFORM 1; END $$');
    expect(primary.poolLog).toEqual(['BEGIN; INSERT INTO t VALUES (1); COMMIT', 'DO $$ BEGIN PERFORM 1; END $$']);
    await db.end();
  });

  it('multi-statement transaction control (tester report): session.query("BEGIN; INSERT …") pins one primary connection until COMMIT', async () => {
    const { db, primary } = await setup();
    const s = db.session();
    await s.query("BEGIN; INSERT INTO t VALUES ('first')");
    expect(s.inTransaction).toBe(true);
    await s.query("INSERT INTO t VALUES ('second')");
    await s.query('SELECT count(*) FROM t');
    expect(primary.clients).toHaveLength(1);
    const c = primary.clients[0] as FakeClient;
    expect(c.released).toBe(false);
    await s.query('COMMIT');
    expect(s.inTransaction).toBe(false);
    expect(c.log).toEqual(["BEGIN; INSERT INTO t VALUES ('first')", "INSERT INTO t VALUES ('second')", 'SELECT count(*) FROM t', 'COMMIT']);
    expect(c.released && !c.destroyed).toBe(true);
    expect(primary.poolLog).toEqual([]);
    await db.end();
  });

  it('a pinned session unpins on a text whose last control statement closes the transaction', async () => {
    const { db, primary } = await setup();
    const s = db.session();
    await s.query('BEGIN');
    await s.query('INSERT INTO t VALUES (1); COMMIT');
    expect(s.inTransaction).toBe(false);
    expect((primary.clients[0] as FakeClient).released).toBe(true);
    await db.end();
  });

  it('a pinned session stays pinned when the text closes and reopens (COMMIT; BEGIN, COMMIT AND CHAIN, ROLLBACK TO)', async () => {
    const { db, primary } = await setup();
    const s = db.session();
    await s.query('BEGIN');
    await s.query('INSERT INTO t VALUES (1); COMMIT; BEGIN');
    await s.query('COMMIT AND CHAIN');
    await s.query('SAVEPOINT a; INSERT INTO t VALUES (2); ROLLBACK TO a');
    expect(s.inTransaction).toBe(true);
    expect(primary.clients).toHaveLength(1);
    await s.query('ROLLBACK');
    expect(s.inTransaction).toBe(false);
    await db.end();
  });

  it('a session text "BEGIN; …; COMMIT" runs on the pool without pinning', async () => {
    const { db, primary } = await setup();
    const s = db.session();
    await s.query('BEGIN; INSERT INTO t VALUES (1); COMMIT');
    expect(s.inTransaction).toBe(false);
    expect(primary.clients).toEqual([]);
    expect(primary.poolLog).toEqual(['BEGIN; INSERT INTO t VALUES (1); COMMIT']);
    await db.end();
  });

  it('a failed "BEGIN; …" text destroys its connection and leaves the session unpinned', async () => {
    const { db, primary } = await setup();
    primary.failWhen((sql) => (sql.includes('bad') ? Object.assign(new Error('syntax'), { code: '42601' }) : undefined));
    const s = db.session();
    await expect(s.query('BEGIN; INSERT INTO bad VALUES (1)')).rejects.toThrow('syntax');
    expect(s.inTransaction).toBe(false);
    expect((primary.clients[0] as FakeClient).destroyed).toBe(true);
    await db.end();
  });

  it('a pinned "BEGIN; INSERT …" counts as a write: its COMMIT records the position', async () => {
    const { db } = await setup('position');
    const s = db.session();
    await s.query('BEGIN; INSERT INTO t VALUES (1)');
    await s.query('COMMIT');
    expect(s.lsn).toBe('0/200');
    const bare = db.session();
    await bare.query('BEGIN');
    await bare.query('COMMIT');
    expect(bare.lsn).toBe('0/0');
    await db.end();
  });
});
