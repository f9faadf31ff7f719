// The broker-restart test shared by the broker backends: 200 jobs accepted, the broker killed and
// restarted mid-run (own instance, persistent storage), producers and workers reconnect, and every
// accepted job's effect is recorded — none lost.

import { defineJob, type JobBackend, JobQueue } from '../src/index.js';
import { waitFor } from './_conformance.js';
import type { OwnServer } from './_servers.js';

export async function restartTest(
  server: OwnServer,
  makeBackend: () => JobBackend,
  total = 200,
): Promise<{ effects: number; runs: number }> {
  const effects = new Set<string>();
  let runs = 0;
  const effect = defineJob('effect', async (_p: { i: number }, ctx) => {
    runs++;
    await new Promise((r) => setTimeout(r, 5));
    effects.add(ctx.idempotencyKey as string);
  });
  const producer = new JobQueue({ backend: makeBackend(), jobs: [effect] });
  const consumer = new JobQueue({ backend: makeBackend(), jobs: [effect] });
  try {
    for (let i = 0; i < total / 2; i++) await producer.enqueue(effect, { i }, { idempotencyKey: `r-${i}`, attempts: 10 });
    const worker = consumer.work({ concurrency: 4 });
    await worker.ready();
    await waitFor(() => effects.size >= 10, 20_000);
    await server.kill();
    await new Promise((r) => setTimeout(r, 300));
    await server.start();
    // During the blip an enqueue may reject (it is then not accepted, and says so): a producer retries.
    for (let i = total / 2; i < total; i++) {
      for (let tries = 0; ; tries++) {
        try {
          await producer.enqueue(effect, { i }, { idempotencyKey: `r-${i}`, attempts: 10 });
          break;
        } catch (e) {
          if (tries > 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    await waitFor(() => effects.size === total, 60_000);
    return { effects: effects.size, runs };
  } finally {
    await consumer.close({ timeoutMs: 2000 });
    await producer.close({ timeoutMs: 2000 });
  }
}
