// The shared job-backend conformance suite on BullMQ, against the machine's Redis (a fresh queue name
// per test; obliterated afterwards).
import { jobBackendConformance } from '../../jobs/test/_conformance.js';
import { BullMqBackend } from '../src/index.js';

const port = Number(process.env.REDIS_PORT ?? 6379);

jobBackendConformance('bullmq', async () => {
  const backend = new BullMqBackend({
    connection: { host: '127.0.0.1', port },
    queueName: `conformance-${process.pid}-${Math.random().toString(36).slice(2)}`,
    lockDurationMs: 5000,
  });
  return {
    backend,
    cleanup: async () => {
      await backend.obliterate().catch(() => {});
      await backend.close();
    },
  };
});
