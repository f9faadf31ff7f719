// The shared job-backend conformance suite on NATS JetStream, against the machine's nats-server
// (a fresh stream per test; deleted afterwards).
import { jobBackendConformance } from '../../jobs/test/_conformance.js';
import { JetStreamBackend } from '../src/index.js';

const servers = process.env.NATS_URL ?? '127.0.0.1:4222';

jobBackendConformance('jetstream', async () => {
  const id = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const backend = new JetStreamBackend({ servers, stream: `CONF_${id}`, subjectPrefix: `conf.${id}`, ackWaitMs: 2000 });
  return {
    backend,
    cleanup: async () => {
      await backend.destroy().catch(() => {});
      await backend.close();
    },
  };
});
