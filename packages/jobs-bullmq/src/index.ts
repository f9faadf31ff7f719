export {
  BullMqBackend,
  type BullMqBackendEvents,
  type BullMqBackendOptions,
  type BullMqBackendStats,
} from './bullmq-backend.js';
