import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamBackend } from './jetstream-backend.js';

/** Options of {@link JetStreamBackend}. */
export interface JetStreamBackendOptions {
  /** An open NATS connection (not closed by the backend), or `servers` to connect to. */
  readonly connection?: NatsConnection;
  /** Server URLs (`'127.0.0.1:4222'`) when no `connection` is given. Default `'127.0.0.1:4222'`. */
  readonly servers?: string | readonly string[];
  /** Stream name. Default `'SCALING_JOBS'`. */
  readonly stream?: string;
  /** Subject prefix. Default `'scaling.jobs'`. */
  readonly subjectPrefix?: string;
  /** Durable consumer name prefix. Default `'scaling-jobs'`. */
  readonly durable?: string;
  /** Redelivery after this long without an ack or progress, in ms (consumer `ack_wait`). Default 30 000. */
  readonly ackWaitMs?: number;
  /** Duplicate window for idempotency keys, in ms (stream `duplicate_window`). Default 120 000. */
  readonly idempotencyWindowMs?: number;
}
