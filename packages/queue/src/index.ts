export {
  type AddOptions,
  type CloseOptions,
  type FailureInfo,
  Queue,
  type QueueCounters,
  type QueueOptions,
  type RetryOptions,
  type RunningTask,
} from './queue.js';
export type { Task, TaskContext } from './task.js';
