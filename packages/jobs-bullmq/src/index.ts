export { BullMqBackend, type BullMqBackendOptions } from './bullmq-backend.js';
