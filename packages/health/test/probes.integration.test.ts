// Real PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379); run by `npm run test:integration`.
import { ManualClock } from '@scaling/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthMonitor, pgProbe, redisProbe, tcpProbe } from '../src/index.js';

const PG = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? 'postgres' };
const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
const signal = new AbortController().signal;

const pool = new pg.Pool({ ...PG, database: 'postgres', max: 2 });
const redis = new Redis({ ...REDIS, lazyConnect: true, maxRetriesPerRequest: 1 });
afterAll(async () => {
  await pool.end();
  redis.disconnect();
});

describe('probes against real servers', () => {
  it('pgProbe passes against a real pg.Pool', async () => {
    expect(await pgProbe(pool)(signal)).toMatchObject({ status: 'pass', observedUnit: 'ms' });
  });

  it('pgProbe fails on a bad query and against a pool pointing at a closed port', async () => {
    await expect(Promise.resolve(pgProbe(pool, { sql: 'SELECT * FROM no_such_table_xyz' })(signal))).rejects.toThrow(/no_such_table_xyz/);
    const dead = new pg.Pool({ ...PG, port: 1, connectionTimeoutMillis: 2_000 });
    await expect(Promise.resolve(pgProbe(dead)(signal))).rejects.toThrow();
    await dead.end();
  });

  it('redisProbe passes against a real ioredis client', async () => {
    await redis.connect();
    expect(await redisProbe(redis)(signal)).toMatchObject({ status: 'pass', observedUnit: 'ms' });
  });

  it('tcpProbe reaches both servers', async () => {
    expect(await tcpProbe({ host: PG.host, port: PG.port })(signal)).toMatchObject({ status: 'pass' });
    expect(await tcpProbe({ host: REDIS.host, port: REDIS.port })(signal)).toMatchObject({ status: 'pass' });
  });

  it('a monitor over real probes reports pass with a health+json shape', async () => {
    const clock = new ManualClock();
    const m = new HealthMonitor({
      clock,
      checks: [
        { name: 'postgres', key: 'postgres:responseTime', componentType: 'datastore', check: pgProbe(pool), healthyThreshold: 1 },
        { name: 'redis', key: 'redis:responseTime', componentType: 'datastore', check: redisProbe(redis), healthyThreshold: 1 },
      ],
    });
    let results = 0;
    m.on('result', () => results++);
    m.start();
    while (results < 2) await clock.advanceAsync(0);
    m.stop();
    const r = m.report();
    expect(r.status).toBe('pass');
    expect(r.checks['postgres:responseTime']?.[0]).toMatchObject({ componentId: 'postgres', status: 'pass', observedUnit: 'ms' });
    expect(r.checks['redis:responseTime']?.[0]).toMatchObject({ componentId: 'redis', status: 'pass' });
  });
});
