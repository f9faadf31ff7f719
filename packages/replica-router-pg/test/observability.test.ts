// Issue 19: the documented channels fire (events and the routed-query tracing channel), stats() matches
// its README table, and the counters add up — over fake pools (the real-server version is in
// replica-routing.integration.test.ts).
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { ManualClock } from '@scaling/core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectDocumented, readme, tableAfter } from '../../../test/_readme-tables.js';
import { createReplicatedPool, type PgQueryContext, type ReplicatedPoolStats } from '../src/index.js';
import { fakePool } from './_fakes.js';

const README = readme(import.meta.url);
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup() {
  const clock = new ManualClock();
  const primary = fakePool('primary', { standby: false });
  const r1 = fakePool('r1', { standby: true });
  const db = createReplicatedPool({ primary: primary.asPool(), replicas: [{ id: 'r1', pool: r1.asPool() }], clock });
  await db.ready();
  return { db, primary, r1, clock };
}

function expectAddsUp(s: ReplicatedPoolStats): void {
  expect(s.replicaReads).toBe(Object.values(s.replicas).reduce((n, r) => n + r.reads, 0));
}

describe('channels (README table)', () => {
  it('lists exactly the pool’s channels', () => {
    expect(tableAfter(README, '## Channels').sort()).toEqual(
      ['scaling:replica-router-pg:read-retried', 'scaling:replica-router-pg:error', 'scaling:replica-router-pg:query'].sort(),
    );
  });

  it('read-retried and error fire with the documented payloads', async () => {
    const { db, r1 } = await setup();
    const seen: Record<string, unknown[]> = { 'read-retried': [], error: [] };
    for (const e of ['read-retried', 'error']) {
      const fn = (m: unknown): void => {
        seen[e]?.push(m);
      };
      subscribe(`scaling:replica-router-pg:${e}`, fn);
      cleanups.push(() => unsubscribe(`scaling:replica-router-pg:${e}`, fn));
    }
    r1.fail = (sql) => (sql.startsWith('SELECT') ? Object.assign(new Error('read-only'), { code: '25006' }) : undefined);
    await db.query('SELECT app_write()');
    expect(seen['read-retried']).toEqual([{ replica: 'r1', reason: 'read-only', error: expect.any(Error), source: db }]);
    const idle = new Error('terminating connection');
    for (const l of r1.errorListeners) l(idle);
    // the payload is the Error itself (pg's pool 'error' event), plus source on the channel
    expect(seen.error).toHaveLength(1);
    expect(seen.error?.[0]).toMatchObject({ source: db });
    await db.end();
  });

  it('scaling:replica-router-pg:query traces each statement sent to a server: start/end/asyncStart/asyncEnd, error; no parameters', async () => {
    const { db, r1 } = await setup();
    const ch = tracingChannel('scaling:replica-router-pg:query');
    const log: string[] = [];
    const contexts: PgQueryContext[] = [];
    const handlers = {
      start: (c: unknown) => {
        contexts.push(c as PgQueryContext);
        log.push(`start ${(c as PgQueryContext).target}`);
      },
      end: () => log.push('end'),
      asyncStart: () => log.push('asyncStart'),
      asyncEnd: () => log.push('asyncEnd'),
      error: (c: unknown) => log.push(`error ${((c as PgQueryContext).error as Error).message}`),
    };
    ch.subscribe(handlers);
    cleanups.push(() => ch.unsubscribe(handlers));
    await db.query('SELECT $1::int', [42]);
    await db.query('INSERT INTO t VALUES ($1)', ['secret']);
    expect(log).toEqual(['start replica', 'end', 'asyncStart', 'asyncEnd', 'start primary', 'end', 'asyncStart', 'asyncEnd']);
    expect(contexts[0]).toMatchObject({ sql: 'SELECT $1::int', target: 'replica', replica: 'r1' });
    expect(contexts[1]).toMatchObject({ sql: 'INSERT INTO t VALUES ($1)', target: 'primary' });
    expect(contexts[1]?.replica).toBeUndefined();
    expect(JSON.stringify(contexts.map(({ sql, target, replica }) => ({ sql, target, replica })))).not.toMatch(/secret|42/);
    log.length = 0;
    r1.fail = () => Object.assign(new Error('relation "t" does not exist'), { code: '42P01' });
    await expect(db.query('SELECT * FROM t')).rejects.toThrow(/does not exist/);
    expect(log).toEqual(['start replica', 'end', 'error relation "t" does not exist', 'asyncStart', 'asyncEnd']);
    await db.end();
  });
});

describe('stats() (README table)', () => {
  it('has the documented fields and kinds; counters add up; replicas carry reads, failures, state and lag', async () => {
    const { db, r1, clock } = await setup();
    await db.query('SELECT 1');
    await db.query('SELECT 2');
    await db.query('UPDATE t SET v = 1');
    r1.fail = () => Object.assign(new Error('relation "t" does not exist'), { code: '42P01' });
    await db.query('SELECT * FROM t').catch(() => {});
    clock.advance(0);
    const s = db.stats();
    expectDocumented(README, '`ReplicatedPool.stats()`', s);
    expectAddsUp(s);
    expect(s).toMatchObject({
      queries: 4,
      errors: 1,
      primary: 1,
      replicaReads: 2,
      retries: 0,
      connections: 4,
      idleConnections: 2,
      waitingClients: 0,
    });
    expect(s.replicas.r1).toMatchObject({ reads: 2, failures: 1, state: 'eligible', eligible: true, healthy: true, lagBytes: 0 });
    expect(s.queryDuration.count).toBe(4);
    // a copy
    await db.query('SELECT 3').catch(() => {});
    expect(s.queryDuration.count).toBe(4);
    await db.end();
  });
});
