export { JetStreamBackend } from './jetstream-backend.js';
export type { JetStreamBackendEvents } from './jetstream-backend-events.js';
export type { JetStreamBackendOptions } from './jetstream-backend-options.js';
export type { JetStreamBackendStats } from './jetstream-backend-stats.js';
