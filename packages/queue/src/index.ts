export { QueueClearedError, QueueClosedError, QueueFullError } from './errors.js';
export type { QueueEvents } from './events.js';
export type {
  AddOptions,
  CloseOptions,
  FailureInfo,
  FailureReason,
  QueueOptions,
  RateLimitOptions,
  RetryOptions,
} from './options.js';
export type { PriorityQueue, QueuedTask } from './priority-queue.js';
export { Queue } from './queue.js';
export type { QueueCounters, QueueRunContext, QueueStats, RunningTask } from './stats.js';
export type { Task, TaskContext } from './task.js';
