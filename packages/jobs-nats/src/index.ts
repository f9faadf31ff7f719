export {
  JetStreamBackend,
  type JetStreamBackendEvents,
  type JetStreamBackendOptions,
  type JetStreamBackendStats,
} from './jetstream-backend.js';
