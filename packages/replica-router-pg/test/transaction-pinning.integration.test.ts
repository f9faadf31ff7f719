// Against the real primary that `npm run test:integration` starts (scripts/integration/replica-router-pg.mjs):
// a multi-statement text that opens a transaction must not strand a pooled connection inside it.
import { isScalingError } from '@scaling/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicatedPool, type ReplicatedPool } from '../src/index.js';
import { admin, eventually, haveServers, PRIMARY_URL, REPLICA_URL } from './_servers.js';

const T = `rr_tx_it_${process.pid}`;
const APP = `rr_tx_it_${process.pid}`;

function open(max = 1): ReplicatedPool {
  return createReplicatedPool({
    // one connection: a stranded transaction would hold it (and the next query would time out)
    primary: { connectionString: PRIMARY_URL, max, application_name: APP, connectionTimeoutMillis: 10_000 },
    replicas: [{ id: 'r1', pool: { connectionString: REPLICA_URL, max: 1 } }],
  });
}

async function committedRows(): Promise<number> {
  return (await admin<{ n: number }>(PRIMARY_URL, `SELECT count(*)::int AS n FROM ${T}`))[0]?.n as number;
}

async function idleInTransaction(): Promise<number> {
  const rows = await admin<{ n: number }>(
    PRIMARY_URL,
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state LIKE 'idle in transaction%'",
    [APP],
  );
  return rows[0]?.n as number;
}

describe.skipIf(!haveServers)('multi-statement transaction control against a real primary', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await admin(PRIMARY_URL, `DROP TABLE IF EXISTS ${T}; CREATE TABLE ${T} (v text)`);
  });
  afterAll(async () => {
    await admin(PRIMARY_URL, `DROP TABLE IF EXISTS ${T}`);
  });

  it('multi-statement transaction control (tester report): pool.query("BEGIN; INSERT …") is refused and strands no connection in a transaction', async () => {
    await admin(PRIMARY_URL, `TRUNCATE ${T}`);
    const db = open();
    try {
      await db.ready();
      let code: string | undefined;
      try {
        await db.query(`BEGIN; INSERT INTO ${T} VALUES ('first')`);
      } catch (e) {
        code = isScalingError(e) ? e.code : String(e);
      }
      expect(code).toBe('ERR_TRANSACTION_NEEDS_SESSION');
      await db.query(`INSERT INTO ${T} VALUES ('second')`);
      expect(await committedRows()).toBe(1);
      expect(await idleInTransaction()).toBe(0);
      // a text that opens and closes its transaction is fine
      await db.query(`BEGIN; INSERT INTO ${T} VALUES ('third'); COMMIT`);
      expect(await committedRows()).toBe(2);
      expect(await idleInTransaction()).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('multi-statement transaction control (tester report): session.query("BEGIN; INSERT …") pins its connection until a text commits', async () => {
    await admin(PRIMARY_URL, `TRUNCATE ${T}`);
    const db = open();
    try {
      await db.ready();
      const s = db.session();
      await s.query(`BEGIN; INSERT INTO ${T} VALUES ('first')`);
      expect(s.inTransaction).toBe(true);
      await s.query(`INSERT INTO ${T} VALUES ('second')`);
      // the session sees its own uncommitted rows; nobody else does yet
      expect((await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${T}`)).rows[0]?.n).toBe(2);
      expect(await committedRows()).toBe(0);
      expect(await idleInTransaction()).toBe(1);
      await s.query(`INSERT INTO ${T} VALUES ('third'); COMMIT`);
      expect(s.inTransaction).toBe(false);
      expect(await committedRows()).toBe(3);
      expect(await idleInTransaction()).toBe(0);
      // the single primary connection is back in the pool
      await db.query(`INSERT INTO ${T} VALUES ('fourth')`);
      expect(await committedRows()).toBe(4);
    } finally {
      await db.end();
    }
  });

  it('racing transaction control on one session (issue point 13): no backend is left idle in transaction', async () => {
    await admin(PRIMARY_URL, `TRUNCATE ${T}`);
    const db = open(4);
    try {
      await db.ready();
      const texts = [
        'BEGIN',
        'BEGIN',
        `INSERT INTO ${T} VALUES ('a')`,
        'COMMIT',
        `BEGIN; INSERT INTO ${T} VALUES ('b')`,
        'SELECT 1',
        'ROLLBACK',
        'COMMIT AND CHAIN',
        `INSERT INTO ${T} VALUES ('c'); COMMIT`,
      ];
      for (let round = 0; round < 20; round++) {
        const s = db.session();
        // every call started at once, in a different order each round
        const order = texts.map((t, i) => [t, (i * 7 + round * 3) % texts.length] as const).sort((a, b) => a[1] - b[1]);
        await Promise.all(order.map(([t]) => s.query(t).catch(() => undefined)));
        await s.close();
        expect(s.inTransaction).toBe(false);
      }
      // a connect() client released with its transaction open is closed, not pooled
      const client = await db.connect();
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${T} VALUES ('never committed')`);
      client.release();
      await eventually('the released backend to be gone', async () => (await idleInTransaction()) === 0);
      expect((await admin<{ n: number }>(PRIMARY_URL, `SELECT count(*)::int AS n FROM ${T} WHERE v = 'never committed'`))[0]?.n).toBe(0);
    } finally {
      await db.end();
    }
  });
});
