// Delivery under faults on BullMQ (issue 20): worker processes killed with SIGKILL mid-job, and the
// Redis server itself killed and restarted. Both use a private redis-server with AOF
// (`appendfsync always`): the machine's Redis keeps nothing on disk, so an accepted job survives a
// Redis restart only on an instance with persistence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashTest } from '../../jobs/test/_crash.js';
import { restartTest } from '../../jobs/test/_restart.js';
import { type OwnServer, ownRedis } from '../../jobs/test/_servers.js';
import { BullMqBackend } from '../src/index.js';

describe('BullMQ backend under faults (own redis-server, AOF on)', () => {
  let redis: OwnServer;
  beforeAll(async () => {
    redis = await ownRedis(true);
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('1,000 jobs with workers killed by SIGKILL mid-job: every job completes, once in effect', { timeout: 120_000 }, async () => {
    const r = await crashTest(
      'bullmq',
      redis.port,
      (name) => new BullMqBackend({ connection: { host: '127.0.0.1', port: redis.port }, queueName: name, lockDurationMs: 1000 }),
    );
    expect(r.effects).toBe(1000);
    expect(r.kills).toBeGreaterThan(0);
    expect(r.runs).toBeGreaterThanOrEqual(1000);
    console.log(`bullmq crash test: ${r.kills} kills, ${r.runs - 1000} re-runs absorbed by idempotency`);
  });

  it('Redis killed and restarted mid-run: producers and workers reconnect, no accepted job is lost', { timeout: 90_000 }, async () => {
    const name = `restart_${process.pid}`;
    const r = await restartTest(
      redis,
      () =>
        new BullMqBackend({
          connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
          queueName: name,
          lockDurationMs: 1000,
        }),
    );
    expect(r.effects).toBe(200);
  });
});
