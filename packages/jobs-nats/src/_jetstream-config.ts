import type { NatsConnection } from '@nats-io/transport-node';
import { assertNonNegativeFinite, assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import type { JetStreamBackendOptions } from './jetstream-backend-options.js';

/** {@link JetStreamBackendOptions} checked, with the defaults filled in. */
export type JetStreamConfig = Required<Omit<JetStreamBackendOptions, 'connection'>> & { connection: NatsConnection | undefined };

/**
 * Checks a backend's options and fills in the defaults.
 * @throws {TypeError}/{@link RangeError} on an unknown option or a bad value (naming it).
 */
export function resolveJetStreamOptions(options: JetStreamBackendOptions): JetStreamConfig {
  assertOptions(
    'JetStreamBackend options',
    options,
    ['connection', 'servers', 'stream', 'subjectPrefix', 'durable', 'ackWaitMs', 'idempotencyWindowMs'],
    {
      ackWait: 'use `ackWaitMs`',
      duplicateWindow: 'use `idempotencyWindowMs`',
    },
  );
  const {
    connection,
    servers = '127.0.0.1:4222',
    stream = 'SCALING_JOBS',
    subjectPrefix = 'scaling.jobs',
    durable = 'scaling-jobs',
    ackWaitMs = 30_000,
    idempotencyWindowMs = 120_000,
  } = options;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream))
    throw new TypeError(`Expected \`stream\` to be 1–64 letters, digits, "_" or "-", got ${JSON.stringify(stream)}`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix))
    throw new TypeError(`Expected \`subjectPrefix\` to be dot-separated tokens without wildcards, got ${JSON.stringify(subjectPrefix)}`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(durable))
    throw new TypeError(`Expected \`durable\` to be 1–64 letters, digits, "_" or "-", got ${JSON.stringify(durable)}`);
  assertPositiveInteger('ackWaitMs', ackWaitMs);
  assertNonNegativeFinite('idempotencyWindowMs', idempotencyWindowMs);
  return { connection, servers: servers as string, stream, subjectPrefix, durable, ackWaitMs, idempotencyWindowMs };
}
