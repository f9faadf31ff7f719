// Against the real primary (5432) and streaming replica (5433) that `npm run test:integration` starts
// (scripts/integration/replica-router-pg.mjs). Replay is paused with pg_wal_replay_pause() to make lag
// deterministic.
import { tracingChannel } from 'node:diagnostics_channel';
import { isScalingError, type RandomSource, seededRandom } from '@scaling/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReplicatedPool, type PgQueryContext, parseLsn, ReplicatedPool, type ReplicatedSession } from '../src/index.js';
import {
  admin,
  eventually,
  haveServers,
  PRIMARY_PORT,
  PRIMARY_URL,
  pauseReplay,
  REPLICA_PORT,
  REPLICA_URL,
  replicaCaughtUp,
  replicaCtl,
  replicaIsUp,
  resumeReplay,
} from './_servers.js';

const T = `rr_it_${process.pid}`;
const ROWS = 20;

/** The run's randomness: FC_SEED when set (CI), else a fresh seed printed so a failure replays. */
function runRandom(label: string): RandomSource {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : (Math.random() * 2 ** 31) | 0;
  console.log(`${label}: seed ${seed}`);
  return seededRandom(seed);
}

const pools: ReplicatedPool[] = [];
function open(options: Partial<Parameters<typeof createReplicatedPool>[0]> = {}): ReplicatedPool {
  const pool = createReplicatedPool({
    primary: PRIMARY_URL,
    replicas: [{ id: 'r1', pool: REPLICA_URL }],
    checkIntervalMs: 200,
    ...options,
  });
  pools.push(pool);
  return pool;
}

/** Refreshes the pool's view until the replica receives reads with no position requirement. */
async function replicaEligible(pool: ReplicatedPool): Promise<void> {
  await eventually('the replica to become eligible', async () => (await pool.checkReplicas())[0]?.eligible === true);
}

async function servedBy(pool: ReplicatedPool | ReplicatedSession): Promise<number> {
  const sql = 'SELECT inet_server_port() AS port';
  const r = pool instanceof ReplicatedPool ? await pool.query<{ port: number }>(sql) : await pool.query<{ port: number }>(sql);
  return r.rows[0]?.port as number;
}

describe.skipIf(!haveServers)('replica routing against a real primary and streaming replica', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await resumeReplay();
    await admin(PRIMARY_URL, `DROP TABLE IF EXISTS ${T}`);
    await admin(PRIMARY_URL, `CREATE TABLE ${T} (id int PRIMARY KEY, v int NOT NULL, note text)`);
    await admin(PRIMARY_URL, `INSERT INTO ${T} SELECT g, 0, 'seed' FROM generate_series(1, ${ROWS}) g`);
    await admin(PRIMARY_URL, `DROP SEQUENCE IF EXISTS ${T}_seq; CREATE SEQUENCE ${T}_seq`);
    await replicaCaughtUp();
  }, 60_000);

  afterEach(async () => {
    if (!(await replicaIsUp())) replicaCtl('start');
    await resumeReplay();
    await Promise.all(pools.splice(0).map((p) => p.end()));
  }, 60_000);

  afterAll(async () => {
    await admin(PRIMARY_URL, `DROP TABLE IF EXISTS ${T}; DROP SEQUENCE IF EXISTS ${T}_seq`);
  });

  it('observability (issue 19): each routed statement is traced with its server, never its parameters; stats() and the lag of the replica follow', async () => {
    const pool = open();
    await replicaEligible(pool);
    const ch = tracingChannel('scaling:replica-router-pg:query');
    const seen: Array<PgQueryContext & { phase: string }> = [];
    const handlers = {
      start: (c: unknown) => seen.push({ ...(c as PgQueryContext), phase: 'start' }),
      asyncEnd: (c: unknown) => seen.push({ ...(c as PgQueryContext), phase: 'asyncEnd' }),
      error: (c: unknown) => seen.push({ ...(c as PgQueryContext), phase: 'error' }),
      end: () => {},
      asyncStart: () => {},
    };
    ch.subscribe(handlers);
    try {
      const before = pool.stats();
      const read = await pool.query<{ port: number }>('SELECT inet_server_port() AS port, $1::text AS secret', ['hunter2']);
      expect(read.rows[0]?.port).toBe(REPLICA_PORT);
      await pool.query(`UPDATE ${T} SET note = $1 WHERE id = 2`, ['hunter2']);
      await expect(pool.query('SELECT * FROM no_such_table_here')).rejects.toThrow(/does not exist/);
      const starts = seen.filter((c) => c.phase === 'start');
      expect(starts.map((c) => [c.target, c.replica])).toEqual([
        ['replica', 'r1'],
        ['primary', undefined],
        ['replica', 'r1'],
      ]);
      expect(starts[0]?.sql).toContain('inet_server_port()');
      expect(seen.find((c) => c.phase === 'asyncEnd')?.result).toBeDefined();
      expect((seen.find((c) => c.phase === 'error')?.error as { code?: string } | undefined)?.code).toBe('42P01');
      expect(JSON.stringify(seen.map(({ sql, target, replica }) => ({ sql, target, replica })))).not.toContain('hunter2');
      const after = pool.stats();
      expect(after.queries - before.queries).toBe(3);
      expect(after.errors - before.errors).toBe(1);
      expect((after.replicas.r1?.reads ?? 0) - (before.replicas.r1?.reads ?? 0)).toBe(1);
      expect((after.replicas.r1?.failures ?? 0) - (before.replicas.r1?.failures ?? 0)).toBe(1);
      expect(after.queryDuration.count - before.queryDuration.count).toBe(3);
      expect(after.queryDuration.max).toBeGreaterThan(0);
      expect(after.replicas.r1).toMatchObject({ state: 'eligible', eligible: true, healthy: true });
      expect(after.connections).toBeGreaterThan(0);
      // replay paused and a write: the replica's byte lag shows in stats() after the next check
      await pauseReplay();
      await pool.query(`UPDATE ${T} SET v = v + 1 WHERE id = 3`);
      await eventually('the lag to show', async () => {
        await pool.checkReplicas();
        return (pool.stats().replicas.r1?.lagBytes ?? 0) > 0;
      });
    } finally {
      ch.unsubscribe(handlers);
    }
  });

  it('data-modifying CTE (kind: a write hidden in a SELECT): a SELECT whose CTE updates rows goes to the primary', async () => {
    const pool = open();
    await replicaEligible(pool);
    expect(await servedBy(pool)).toBe(REPLICA_PORT); // plain reads do reach the replica
    await pauseReplay();
    const before = pool.stats();
    const r = await pool.query<{ v: number; port: number }>(
      `WITH u AS (UPDATE ${T} SET v = v + 1 WHERE id = 1 RETURNING v) SELECT v, inet_server_port() AS port FROM u`,
    );
    expect(r.rows[0]?.port).toBe(PRIMARY_PORT);
    expect(pool.stats().replicas.r1?.reads).toBe(before.replicas.r1?.reads);
    const [row] = await admin<{ v: number }>(PRIMARY_URL, `SELECT v FROM ${T} WHERE id = 1`);
    expect(row?.v).toBe(r.rows[0]?.v);
  });

  it('transaction pinning (kind: a transaction split over connections): inside a transaction, reading the row just inserted sees it', async () => {
    const pool = open();
    await replicaEligible(pool);
    await pauseReplay();
    const seen = await pool.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${T} (id, v, note) VALUES (1001, 7, 'tx')`);
      return (await tx.query<{ v: number; port: number }>(`SELECT v, inet_server_port() AS port FROM ${T} WHERE id = 1001`)).rows;
    });
    expect(seen).toEqual([{ v: 7, port: PRIMARY_PORT }]);

    // explicit BEGIN … COMMIT through a session: pinned to one primary connection
    const session = pool.session();
    await session.query('BEGIN');
    expect(session.inTransaction).toBe(true);
    await session.query(`INSERT INTO ${T} (id, v, note) VALUES (1002, 8, 'explicit')`);
    const inside = await session.query<{ v: number; port: number; xid: string }>(
      `SELECT v, inet_server_port() AS port, pg_current_xact_id_if_assigned()::text AS xid FROM ${T} WHERE id = 1002`,
    );
    expect(inside.rows[0]?.v).toBe(8);
    expect(inside.rows[0]?.port).toBe(PRIMARY_PORT);
    expect(inside.rows[0]?.xid).not.toBeNull(); // the same transaction that inserted
    await session.query('COMMIT');
    expect(session.inTransaction).toBe(false);
    // the commit's position became the session's token: the paused replica cannot serve it
    expect(session.token.position).toBeGreaterThan(0);
    expect((await session.query<{ port: number }>('SELECT inet_server_port() AS port')).rows[0]?.port).toBe(PRIMARY_PORT);
    await expect(pool.query('BEGIN')).rejects.toSatisfy((e) => isScalingError(e, 'ERR_TRANSACTION_NEEDS_SESSION'));
    await admin(PRIMARY_URL, `DELETE FROM ${T} WHERE id > 1000`);
  });

  it('SQLSTATE 25006 (kind: a write sent to a hot standby): a raw INSERT never reaches the replica across 10,000 mixed statements', async () => {
    const pool = open({
      primary: { connectionString: PRIMARY_URL, max: 8 },
      replicas: [{ id: 'r1', pool: { connectionString: REPLICA_URL, max: 8 } }],
    });
    await replicaEligible(pool);
    const random = runRandom('mixed workload');
    const id = () => 1 + Math.floor(random() * ROWS);
    const statements: Array<() => [string, unknown[]]> = [
      () => [`SELECT v FROM ${T} WHERE id = $1`, [id()]],
      () => [`select count(*) from ${T}`, []],
      () => [`/* read */ SELECT v, note FROM ${T} WHERE v >= $1 ORDER BY id LIMIT 3`, [0]],
      () => [`VALUES ($1::int)`, [1]],
      () => ['SHOW transaction_read_only', []],
      () => [
        `INSERT INTO ${T} (id, v, note) VALUES ($1, 0, 'w') ON CONFLICT (id) DO UPDATE SET v = ${T}.v + 1`,
        [2000 + Math.floor(random() * 500)],
      ],
      () => [`  -- comment first\n  insert into ${T} (id, v) values ($1, 1) on conflict do nothing`, [3000 + Math.floor(random() * 500)]],
      () => [`UPDATE ${T} SET v = v + 1 WHERE id = $1`, [id()]],
      () => [`DELETE FROM ${T} WHERE id = $1 AND id > 2000`, [2000 + Math.floor(random() * 500)]],
      () => [`WITH u AS (UPDATE ${T} SET note = 'cte' WHERE id = $1 RETURNING id) SELECT * FROM u`, [id()]],
      () => [`SELECT v FROM ${T} WHERE id = $1 FOR UPDATE`, [id()]],
      () => [`SELECT v FROM ${T} WHERE id = $1 FOR KEY SHARE`, [id()]],
      () => [`SELECT nextval('${T}_seq')`, []],
      () => [`SELECT pg_advisory_xact_lock($1)`, [id()]],
      () => [`SELECT 'INSERT INTO x' AS text, $$ DELETE $$ AS d`, []],
      () => [`SELECT 1 FROM ${T} WHERE note = 'a;b' LIMIT 1`, []],
    ];
    let readOnlyErrors = 0;
    const otherErrors: string[] = [];
    let next = 0;
    const total = 10_000;
    const worker = async () => {
      while (next < total) {
        next++;
        const [sql, values] = (statements[Math.floor(random() * statements.length)] as () => [string, unknown[]])();
        try {
          await pool.query(sql, values);
        } catch (e) {
          if ((e as { code?: string }).code === '25006') readOnlyErrors++;
          else otherErrors.push(`${(e as Error).message} in ${sql}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(readOnlyErrors).toBe(0);
    expect(otherErrors).toEqual([]);
    const stats = pool.stats();
    expect(stats.replicas.r1?.reads).toBeGreaterThan(1000); // reads did go to the replica
    expect(stats.primary).toBeGreaterThan(1000);
    await admin(PRIMARY_URL, `DELETE FROM ${T} WHERE id > ${ROWS}`);
  }, 120_000);

  it('read-your-writes by LSN (GitLab load balancer): a read right after a write is never stale; after resume reads return to the replica (1,000 randomized pairs)', async () => {
    const pool = open({ readYourWrites: 'position' });
    await replicaEligible(pool);
    const session = pool.session();

    // deterministic part: replay paused → the session's reads go to the primary and see the write
    await pauseReplay();
    await pool.checkReplicas();
    await session.query(`UPDATE ${T} SET v = 424242 WHERE id = 3`);
    const r = await session.query<{ v: number; port: number }>(`SELECT v, inet_server_port() AS port FROM ${T} WHERE id = 3`);
    expect(r.rows[0]).toEqual({ v: 424242, port: PRIMARY_PORT });
    // a read without the session may still go to the (stale) replica
    expect(await servedBy(pool)).toBe(REPLICA_PORT);
    await resumeReplay();
    await eventually('the replica to replay past the session token', async () => {
      const states = await pool.checkReplicas();
      return (states[0]?.position ?? 0) >= session.token.position;
    });
    const after = await session.query<{ v: number; port: number }>(`SELECT v, inet_server_port() AS port FROM ${T} WHERE id = 3`);
    expect(after.rows[0]).toEqual({ v: 424242, port: REPLICA_PORT });

    // randomized: 1,000 write-then-read pairs while replay is paused and resumed at random
    const random = runRandom('write-then-read pairs');
    const expected = new Map<number, number>();
    let paused = false;
    let stale = 0;
    let fromReplica = 0;
    let fromPrimaryWhilePaused = 0;
    for (let i = 1; i <= 1000; i++) {
      if (random() < 0.05) {
        if (paused) await resumeReplay();
        else await pauseReplay();
        paused = !paused;
      }
      const k = 1 + Math.floor(random() * ROWS);
      await session.query(`UPDATE ${T} SET v = $2 WHERE id = $1`, [k, i]);
      expected.set(k, i);
      if (random() < 0.3) await pool.checkReplicas(); // fresh positions: the replica may qualify
      const reads = random() < 0.5 ? [k] : [k, 1 + Math.floor(random() * ROWS)];
      for (const key of reads) {
        const row = (
          await session.query<{ v: number; port: number }>(`SELECT v, inet_server_port() AS port FROM ${T} WHERE id = $1`, [key])
        ).rows[0];
        const want = expected.get(key);
        if (want !== undefined && row?.v !== want) stale++;
        if (row?.port === REPLICA_PORT) fromReplica++;
        else if (paused) fromPrimaryWhilePaused++;
      }
    }
    expect(stale).toBe(0);
    expect(fromReplica).toBeGreaterThan(0); // the replica did serve session reads once caught up
    console.log(`pairs: ${fromReplica} reads from the replica, ${fromPrimaryWhilePaused} from the primary while paused`);
  }, 120_000);

  it('read-your-writes with maxWaitMs: a read waits for a healthy replica to replay the write, then reads it there', async () => {
    const pool = open({ readYourWrites: 'position', maxWaitMs: 5_000 });
    await replicaEligible(pool);
    const session = pool.session();
    await session.query(`UPDATE ${T} SET v = 777 WHERE id = 4`);
    const r = await session.query<{ v: number; port: number }>(`SELECT v, inet_server_port() AS port FROM ${T} WHERE id = 4`);
    expect(r.rows[0]).toEqual({ v: 777, port: REPLICA_PORT });
  });

  it('replica failure (kind: a dead replica surfaces errors): a stopped replica: reads continue on the primary with no error; started again, it is used after its check passes', async () => {
    const pool = open();
    await replicaEligible(pool);
    // warm the replica pool so idle connections exist when the server goes away
    await Promise.all(Array.from({ length: 5 }, () => servedBy(pool)));
    expect(await servedBy(pool)).toBe(REPLICA_PORT);
    replicaCtl('stop');
    const ports = [];
    for (let i = 0; i < 200; i++) ports.push(await servedBy(pool));
    expect(new Set(ports)).toEqual(new Set([PRIMARY_PORT]));
    expect((await pool.checkReplicas())[0]?.healthy).toBe(false);
    replicaCtl('start');
    await replicaEligible(pool);
    expect(await servedBy(pool)).toBe(REPLICA_PORT);
  }, 120_000);

  it('replication lag (pgpool-II delay_threshold): a replica over maxLagBytes stops receiving reads, even for sessions already routed to it', async () => {
    const pool = open({ maxLagBytes: 64 * 1024, readYourWrites: 'position' });
    await replicaEligible(pool);
    const session = pool.session(); // no writes: its reads may use the replica
    expect(await servedBy(session)).toBe(REPLICA_PORT);
    await pauseReplay();
    await admin(PRIMARY_URL, `CREATE TABLE ${T}_big AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 5000) g`);
    const [state] = await pool.checkReplicas();
    expect(state?.lagBytes).toBeGreaterThan(64 * 1024);
    expect(state?.eligible).toBe(false);
    expect(await servedBy(session)).toBe(PRIMARY_PORT);
    expect(await servedBy(pool)).toBe(PRIMARY_PORT);
    await resumeReplay();
    await replicaEligible(pool);
    expect(await servedBy(session)).toBe(REPLICA_PORT);
    await admin(PRIMARY_URL, `DROP TABLE ${T}_big`);
  });

  it('misconfiguration (kind: the primary is a standby): the token query returns its replay position, writes fail clearly', async () => {
    const pool = createReplicatedPool({ primary: REPLICA_URL, replicas: [] });
    pools.push(pool);
    await pauseReplay();
    const [{ lsn }] = (await admin<{ lsn: string }>(REPLICA_URL, 'SELECT pg_last_wal_replay_lsn()::text AS lsn')) as [{ lsn: string }];
    expect(await pool.primaryPosition()).toBe(parseLsn(lsn));
    const session = pool.session();
    await expect(session.query(`UPDATE ${T} SET v = 1 WHERE id = 1`)).rejects.toThrow(/read-only transaction/);
  });
});
