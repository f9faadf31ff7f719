// Against the private primary and streaming replica that `npm run test:integration` starts
// (scripts/integration/replica-router-pg.mjs): issue "Existing packages: the faults …", point 10 —
// built-in functions that write are routed to the primary (none reaches the hot standby, so no
// SQLSTATE 25006), an undeclared application function that writes is retried once on the primary and
// reported, and a declared one goes to the primary directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicatedPool, type ReplicatedPool, type ReplicatedPoolEvents } from '../src/index.js';
import { admin, eventually, haveServers, PRIMARY_URL, REPLICA_URL, replicaCaughtUp, resumeReplay } from './_servers.js';

const T = `rr_wf_it_${process.pid}`;

async function open(writeFunctions?: Array<string | RegExp>): Promise<ReplicatedPool> {
  const pool = createReplicatedPool({
    primary: PRIMARY_URL,
    replicas: [{ id: 'r1', pool: REPLICA_URL }],
    checkIntervalMs: 200,
    ...(writeFunctions ? { writeFunctions } : {}),
  });
  await eventually('the replica to become eligible', async () => (await pool.checkReplicas())[0]?.eligible === true);
  return pool;
}

describe.skipIf(!haveServers)('functions that write, against a real hot standby', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await resumeReplay();
    await admin(
      PRIMARY_URL,
      `DROP TABLE IF EXISTS ${T}; DROP SEQUENCE IF EXISTS ${T}_seq;
       CREATE TABLE ${T} (id int, tags int[], v int);
       CREATE INDEX ${T}_brin ON ${T} USING brin (id);
       CREATE INDEX ${T}_gin ON ${T} USING gin (tags) WITH (fastupdate = on);
       CREATE SEQUENCE ${T}_seq;
       CREATE OR REPLACE FUNCTION ${T}_enqueue(x int) RETURNS int LANGUAGE sql AS $$ INSERT INTO ${T} (id, v) VALUES (x, x) RETURNING id $$;`,
    );
    await replicaCaughtUp();
  });
  afterAll(async () => {
    await admin(PRIMARY_URL, `DROP FUNCTION IF EXISTS ${T}_enqueue(int); DROP TABLE IF EXISTS ${T}; DROP SEQUENCE IF EXISTS ${T}_seq`);
  });

  it('every built-in write function goes to the primary: 0 read-only errors, 0 retries', async () => {
    const pool = await open();
    const statements = [
      `SELECT nextval('${T}_seq')`,
      `SELECT setval('${T}_seq', 10)`,
      'SELECT pg_advisory_lock(42), pg_advisory_unlock(42)',
      'SELECT pg_try_advisory_lock(43), pg_advisory_unlock_all()',
      'SELECT pg_advisory_xact_lock(44)',
      "SELECT pg_logical_emit_message(true, 'scaling', 'hello')",
      "SELECT pg_notify('scaling', 'hello')",
      'SELECT txid_current()',
      'SELECT pg_current_xact_id()',
      "SELECT set_config('application_name', 'x', false)",
      `SELECT brin_summarize_new_values('${T}_brin')`,
      `SELECT gin_clean_pending_list('${T}_gin')`,
      'SELECT lo_unlink(lo_create(0))',
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_create_physical_replication_slot('scaling_it_slot')",
      'SELECT pg_switch_wal()',
      'SELECT pg_create_restore_point($1)',
    ];
    const errors: string[] = [];
    for (const sql of statements) {
      try {
        await pool.query(sql, sql.includes('$1') ? ['scaling-it'] : undefined);
      } catch (e) {
        errors.push(`${(e as { code?: string }).code} ${(e as Error).message} in ${sql}`);
      }
    }
    expect(errors).toEqual([]);
    expect(pool.stats().retries).toBe(0);
    expect(pool.stats().replicas.r1?.reads).toBe(0);
    await pool.end();
  });

  it('an undeclared application function that writes: 25006 on the replica, retried once on the primary, reported', async () => {
    const pool = await open();
    const retried: Array<ReplicatedPoolEvents['read-retried']> = [];
    pool.on('read-retried', (e) => retried.push(e));
    const r = await pool.query<{ id: number }>(`SELECT ${T}_enqueue(1) AS id`);
    expect(r.rows).toEqual([{ id: 1 }]);
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ replica: 'r1', reason: 'read-only' });
    expect(retried[0]?.error).toMatchObject({ code: '25006' });
    // the same text goes to the primary directly from then on
    await pool.query(`SELECT ${T}_enqueue(1) AS id`);
    expect(retried).toHaveLength(1);
    await pool.end();
  });

  it('declared in writeFunctions, it never reaches the replica', async () => {
    const pool = await open([new RegExp(`^${T}_enq`)]);
    const retried: unknown[] = [];
    pool.on('read-retried', (e) => retried.push(e));
    await pool.query(`SELECT ${T}_enqueue(2)`);
    expect(retried).toEqual([]);
    expect(pool.stats().replicas.r1?.reads).toBe(0);
    await pool.end();
  });
});
