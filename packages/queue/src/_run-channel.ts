/*
 * The run tracing channel: `scaling:queue:run` around each task attempt. `_engine.ts` checks `hasSubscribers` once per
 * start and only then goes through `callTask`, so an untraced start pays that one check.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import type { Job } from './_job.js';
import type { QueueRunContext } from './stats.js';
import type { Task } from './task.js';

/**
 * `scaling:queue:run`: the tracing channel around each task attempt (context {@link QueueRunContext}). Only used
 * when it has subscribers, so an untraced start pays one check.
 * @internal
 */
export const RUN_CHANNEL = tracingChannel<unknown, QueueRunContext>('scaling:queue:run');

/** Calls a job's task for the tracing channel, as a promise (a synchronous throw propagates). @internal */
export function callTask(job: Job): Promise<unknown> {
  const result = (job.fn as Task<unknown>)(job);
  return result instanceof Promise ? result : Promise.resolve(result);
}
