import type { JetStreamBackend } from './jetstream-backend.js';

/**
 * The events of a {@link JetStreamBackend} (see `docs/events.md`), also published on `node:diagnostics_channel` as
 * `scaling:jobs-nats:<event>` with the payload plus `source` (the backend).
 */
export type JetStreamBackendEvents = {
  /** The NATS connection was lost (`connected: false`) or is back (`true`). */
  connection: {
    /** Whether the connection is up now. */
    readonly connected: boolean;
    /** The server it concerns (`host:port`). */
    readonly server: string;
  };
  /** NATS reported a server error, or a message could not be settled or handed back. */
  error: {
    /** What failed: `'server'`, `'settle'` or `'hand-back'`. */
    readonly operation: string;
    /** The error. */
    readonly error: unknown;
  };
};
