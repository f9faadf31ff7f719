// Issue "Existing packages: the faults …", point 13 (kind: concurrent transaction control on one
// session leaks a connection or leaves a backend idle in transaction). fc.scheduler explores the
// interleavings of racing calls on one session: whatever the order, after close() every primary
// connection has been given back, none went back to the pool inside a transaction block, and the
// session is unpinned.
import { ManualClock } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReplicatedPool, type ReplicatedSession } from '../src/index.js';
import { type FakePool, fakePool } from './_fakes.js';

type Op = (s: ReplicatedSession) => Promise<unknown>;

const OPS: Record<string, Op> = {
  begin: (s) => s.query('BEGIN'),
  'start transaction': (s) => s.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ'),
  commit: (s) => s.query('COMMIT'),
  rollback: (s) => s.query('ROLLBACK'),
  'commit and chain': (s) => s.query('COMMIT AND CHAIN'),
  read: (s) => s.query('SELECT 1'),
  write: (s) => s.query('INSERT INTO t VALUES (1)'),
  'begin; insert': (s) => s.query('BEGIN; INSERT INTO t VALUES (2)'),
  'insert; commit': (s) => s.query('INSERT INTO t VALUES (3); COMMIT'),
  'begin; …; commit': (s) => s.query('BEGIN; INSERT INTO t VALUES (4); COMMIT'),
  'failing statement': (s) => s.query('INSERT INTO bad VALUES (1)'),
  'failing commit': (s) => s.query('COMMIT /* deferred constraint fails */'),
  savepoint: (s) => s.query('SAVEPOINT a'),
  transaction: (s) => s.transaction(async (client) => client.query('INSERT INTO t VALUES (5)')),
  close: (s) => s.close(),
};

const fails = (sql: string) =>
  sql.includes('bad') || sql.includes('deferred') ? Object.assign(new Error('violation'), { code: '23505' }) : undefined;

async function setup(delay: () => Promise<void>) {
  const primary = fakePool('primary', { standby: false, delay, failWhen: fails });
  const replica = fakePool('r1', { standby: true, delay });
  const db = createReplicatedPool({
    primary: primary.asPool(),
    replicas: [{ id: 'r1', pool: replica.asPool() }],
    readYourWrites: 'off',
    clock: new ManualClock(),
  });
  await db.ready();
  return { db, primary };
}

function assertNoLeak(primary: FakePool, session: ReplicatedSession): void {
  expect(session.inTransaction).toBe(false);
  for (const c of primary.clients) {
    expect(c.released, `client ${c.id} (${c.log.join(' | ')}) was never given back`).toBe(true);
    expect(c.releasedInTransaction, `client ${c.id} (${c.log.join(' | ')}) went back to the pool idle in transaction`).toBe(false);
  }
}

describe('racing transaction control on one session', () => {
  it('property: any racing calls, any interleaving → no leaked connection, none pooled in a transaction', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(fc.constantFrom(...Object.keys(OPS)), { minLength: 1, maxLength: 8 }), async (s, ops) => {
        const { db, primary } = await setup(() => s.schedule(Promise.resolve()));
        const session = db.session();
        const calls = ops.map((name) => (OPS[name] as Op)(session).catch(() => undefined));
        await s.waitFor(Promise.all(calls));
        const closing = session.close();
        await s.waitFor(closing);
        assertNoLeak(primary, session);
        await db.end();
      }),
    );
  });

  it('two BEGINs racing pin one connection; COMMIT racing a query runs in call order', async () => {
    let release: (() => void)[] = [];
    const delay = () => new Promise<void>((r) => release.push(r));
    const { db, primary } = await setup(delay);
    const flush = async () => {
      for (let i = 0; i < 50; i++) {
        const pending = release;
        release = [];
        for (const r of pending) r();
        await new Promise((r) => setImmediate(r));
      }
    };
    const session = db.session();
    const both = Promise.all([session.query('BEGIN'), session.query('BEGIN')]);
    await flush();
    await both;
    expect(primary.clients).toHaveLength(1);
    expect(session.inTransaction).toBe(true);
    const read = session.query('INSERT INTO t VALUES (1)');
    const commit = session.query('COMMIT');
    await flush();
    await Promise.all([read, commit]);
    expect(primary.clients[0]?.log).toEqual(['BEGIN', 'BEGIN', 'INSERT INTO t VALUES (1)', 'COMMIT']);
    assertNoLeak(primary, session);
    await db.end();
  });

  it('end() closes a connection a session left pinned (the server rolls it back)', async () => {
    const { db, primary } = await setup(async () => {});
    const session = db.session();
    await session.query('BEGIN');
    await db.end();
    expect(primary.clients[0]).toMatchObject({ released: true, destroyed: true, releasedInTransaction: false });
  });
});
