// Delivery under faults on NATS JetStream (issue 20): worker processes killed with SIGKILL mid-job,
// and the nats-server itself killed and restarted (a private instance with file storage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashTest } from '../../jobs/test/_crash.js';
import { restartTest } from '../../jobs/test/_restart.js';
import { type OwnServer, ownNats } from '../../jobs/test/_servers.js';
import { JetStreamBackend } from '../src/index.js';

describe('JetStream backend under faults (own nats-server)', () => {
  let nats: OwnServer;
  beforeAll(async () => {
    nats = await ownNats();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('1,000 jobs with workers killed by SIGKILL mid-job: every job completes, once in effect', { timeout: 120_000 }, async () => {
    const r = await crashTest(
      'jetstream',
      nats.port,
      (name) => new JetStreamBackend({ servers: `127.0.0.1:${nats.port}`, stream: name, subjectPrefix: `crash.${name}`, ackWaitMs: 1000 }),
    );
    expect(r.effects).toBe(1000);
    expect(r.kills).toBeGreaterThan(0);
    console.log(`jetstream crash test: ${r.kills} kills, ${r.runs - 1000} re-runs absorbed by idempotency`);
  });

  it('nats-server killed and restarted mid-run: producers and workers reconnect, no accepted job is lost', {
    timeout: 90_000,
  }, async () => {
    const r = await restartTest(
      nats,
      () => new JetStreamBackend({ servers: `127.0.0.1:${nats.port}`, stream: 'RESTART', subjectPrefix: 'restart', ackWaitMs: 1000 }),
    );
    expect(r.effects).toBe(200);
  });
});
