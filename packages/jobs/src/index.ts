export { defineJob, type JobContext, type JobDefaults, type JobDefinition, type JobHandler } from './define-job.js';
export {
  DuplicateJobError,
  InvalidPayloadError,
  JobDeadlineExceededError,
  JobsClosedError,
  UnknownJobError,
  UnsupportedByBackendError,
} from './errors.js';
export { InProcessBackend, type InProcessBackendOptions } from './in-process-backend.js';
export { type EnqueueResult, type JobEvents, JobQueue, type JobQueueOptions, type JobStats } from './job-queue.js';
export { serializePayload } from './payload.js';
export type {
  BackendCapabilities,
  BackendConsumer,
  BackoffSpec,
  DeadLetter,
  Delivery,
  EnqueueOptions,
  JobBackend,
  JobRecord,
} from './types.js';
export { UNSTARTED_DELIVERY_ALLOWANCE } from './types.js';
export { type JobRunContext, Worker, type WorkerOptions, type WorkerStats } from './worker.js';
