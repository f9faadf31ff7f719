export { JetStreamBackend, type JetStreamBackendOptions } from './jetstream-backend.js';
