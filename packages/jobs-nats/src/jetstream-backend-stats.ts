import type { Histogram } from '@scaling/core';
import type { JetStreamBackend } from './jetstream-backend.js';

/**
 * A snapshot from {@link JetStreamBackend.stats}: this process's view of the stream (the `stats()` convention of
 * `docs/monitoring/conventions.md`). Deliveries add up once settled:
 * `delivered === acked + retried + deadLettered + unsettled + running`.
 */
export interface JetStreamBackendStats {
  /** Counter: jobs published to the stream (not duplicates). */
  enqueued: number;
  /** Counter: publishes the stream answered as duplicates (`Nats-Msg-Id` within the duplicate window). */
  duplicates: number;
  /** Counter: messages this process's workers handed to a handler. */
  delivered: number;
  /** Counter: deliveries with attempt > 1 (a retry, or a redelivery after an ack timeout; a delayed job's wait is not one). */
  redelivered: number;
  /** Counter: deliveries acknowledged. */
  acked: number;
  /** Counter: deliveries `nak`ed for a retry after backoff. */
  retried: number;
  /** Counter: deliveries published to the dead-letter stream and terminated. */
  deadLettered: number;
  /** Counter: deliveries left unsettled (the worker closed mid-job, or settling failed): redelivered later. */
  unsettled: number;
  /** Counter: early deliveries of delayed jobs, `nak`ed until their `notBefore` (not attempts). */
  deferred: number;
  /** Counter: prefetched messages a closing worker handed back unstarted. */
  handedBack: number;
  /** Counter: messages that were not job records (terminated). */
  invalid: number;
  /** Counter: times the NATS connection was lost. */
  disconnects: number;
  /** Counter: errors reported: the connection's server errors, and failures to settle or hand back a message. */
  errors: number;
  /** Gauge: deliveries being handled now. */
  running: number;
  /** Gauge: `false` while the NATS connection is lost (reconnecting). */
  connected: boolean;
  /** Histogram (ms): round trip of each `enqueue` (publish to the stream's ack), failed ones included. A copy. */
  requestDuration: Histogram;
}
