import { type Backoff, type Clock, exponentialBackoff, systemClock } from '@scaling/core';
import {
  assertBoolean,
  assertClock,
  assertFunction,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  assertSignal,
  describeValue,
} from '@scaling/core/internal';
import { PriorityLevels } from './_priority-levels.js';
import type { AddOptions, CloseOptions, FailureInfo, QueueOptions } from './options.js';
import type { PriorityQueue } from './priority-queue.js';

const INF = Number.POSITIVE_INFINITY;

const QUEUE_KEYS = [
  'concurrency',
  'maxQueued',
  'whenFull',
  'rateLimit',
  'timeoutMs',
  'retry',
  'onFailed',
  'paused',
  'trackStartTimes',
  'trackDurations',
  'queueClass',
  'clock',
] as const;

const RATE = 'use `rateLimit: { limit, intervalMs }` (at most `limit` starts in any `intervalMs` window)';
/** Option names users bring from p-queue, fastq, Bottleneck, BullMQ and async.queue, with ours. */
const QUEUE_HINTS: Readonly<Record<string, string>> = {
  intervalCap: RATE,
  interval: RATE,
  carryoverConcurrencyCount: 'not needed: `rateLimit` counts task starts in a sliding window, so nothing carries over',
  carryoverIntervalCount: 'not needed: `rateLimit` counts task starts in a sliding window, so nothing carries over',
  strict: 'not needed: `rateLimit` is always a strict sliding window',
  autoStart: 'use `paused` (the inverse: `autoStart: false` is `paused: true`)',
  timeout: 'use `timeoutMs`',
  throwOnTimeout: 'not needed: a timeout always rejects with ERR_TIMEOUT',
  maxConcurrent: 'use `concurrency`',
  minTime: 'use `rateLimit: { limit: 1, intervalMs: minTime }`',
  highWater: 'use `maxQueued`',
  maxSize: 'use `maxQueued`',
  strategy: "use `whenFull: 'reject' | 'wait'`",
  reservoir: RATE,
  reservoirRefreshInterval: RATE,
  reservoirRefreshAmount: RATE,
  limiter: RATE,
  errorHandler: 'use `onFailed` (the dead-letter hook) or the `failed` event',
  retries: 'use `retry: { attempts }` (attempts include the first: retries + 1)',
  worker: 'pass each task to `add` (a function of `{ signal, attempt }`)',
};

const ADD_KEYS = ['priority', 'signal', 'timeoutMs'] as const;
const ADD_HINTS: Readonly<Record<string, string>> = {
  timeout: 'use `timeoutMs`',
  throwOnTimeout: 'not needed: a timeout always rejects with ERR_TIMEOUT',
  expiration: 'use `timeoutMs`',
  id: 'not supported: keep the task’s `signal` to cancel it',
  weight: 'not supported: every task takes one slot',
};

const CLOSE_KEYS = ['drain', 'timeoutMs'] as const;
const CLOSE_HINTS: Readonly<Record<string, string>> = {
  timeout: 'use `timeoutMs`',
  force: 'use `drain: false` (and `timeoutMs` to give up on running tasks)',
  dropWaitingJobs: 'use `drain: false`',
};

const RATE_KEYS = ['limit', 'intervalMs'] as const;
const RATE_HINTS: Readonly<Record<string, string>> = {
  intervalCap: 'use `limit`',
  interval: 'use `intervalMs`',
  max: 'use `limit`',
  duration: 'use `intervalMs`',
  strict: 'not needed: the limit is always a strict sliding window',
};

const RETRY_KEYS = ['attempts', 'backoff', 'retryIf'] as const;
const BACKOFF = 'use `backoff: exponentialBackoff({ … })` from `@scaling/core`, or any `(retry) => ms` function';
const RETRY_HINTS: Readonly<Record<string, string>> = {
  retries: 'use `attempts` (attempts include the first: retries + 1)',
  shouldRetry: 'use `retryIf(error, attempt)`',
  factor: BACKOFF,
  minTimeout: BACKOFF,
  maxTimeout: BACKOFF,
  randomize: BACKOFF,
  delay: BACKOFF,
  onFailedAttempt: 'listen to the queue’s `retry` event',
};

/** The queue's options, checked and with defaults filled in. @internal */
export interface QueueConfig {
  concurrency: number;
  maxQueued: number;
  waitWhenFull: boolean;
  rateLimit: { limit: number; intervalMs: number } | undefined;
  timeoutMs: number;
  attempts: number;
  backoff: Backoff | undefined;
  retryIf: ((error: unknown, attempt: number) => boolean) | undefined;
  onFailed: ((error: unknown, info: FailureInfo) => void) | undefined;
  paused: boolean;
  trackStartTimes: boolean;
  trackDurations: boolean;
  queueClass: (new () => PriorityQueue) | undefined;
  clock: Clock;
}

/**
 * Checks every option of `new Queue(options)` (and its nested `rateLimit` and `retry` objects) and fills in defaults.
 * @throws {TypeError}/{@link RangeError} naming the first bad or unknown option.
 * @internal
 */
export function parseQueueOptions(options: QueueOptions | undefined): QueueConfig {
  const o = assertOptions('Queue options', options, QUEUE_KEYS, QUEUE_HINTS, true);
  const { concurrency = 1, maxQueued = INF, whenFull = 'reject', rateLimit, timeoutMs = INF, retry, onFailed } = o;
  const { paused = false, trackStartTimes = false, trackDurations = false, queueClass, clock = systemClock } = o;
  assertCount('concurrency', concurrency, 1);
  assertCount('maxQueued', maxQueued, 0);
  if (whenFull !== 'reject' && whenFull !== 'wait')
    throw new TypeError(`Expected \`whenFull\` to be "reject" or "wait", got ${describeValue(whenFull)}`);
  assertTimeout('timeoutMs', timeoutMs);
  let limit: QueueConfig['rateLimit'];
  if (rateLimit !== undefined) {
    assertObject('rateLimit', rateLimit);
    assertOptions('`rateLimit`', rateLimit, RATE_KEYS, RATE_HINTS);
    assertPositiveInteger('rateLimit.limit', rateLimit.limit);
    assertPositiveFinite('rateLimit.intervalMs', rateLimit.intervalMs);
    limit = { limit: rateLimit.limit, intervalMs: rateLimit.intervalMs };
  }
  let attempts = 1;
  let backoff: Backoff | undefined;
  let retryIf: QueueConfig['retryIf'];
  if (retry !== undefined) {
    assertObject('retry', retry);
    assertOptions('`retry`', retry, RETRY_KEYS, RETRY_HINTS);
    assertPositiveInteger('retry.attempts', retry.attempts);
    backoff = retry.backoff ?? exponentialBackoff();
    assertFunction('retry.backoff', backoff);
    if (retry.retryIf !== undefined) assertFunction('retry.retryIf', retry.retryIf);
    attempts = retry.attempts;
    retryIf = retry.retryIf;
  }
  if (onFailed !== undefined) assertFunction('onFailed', onFailed);
  assertBoolean('paused', paused);
  assertBoolean('trackStartTimes', trackStartTimes);
  assertBoolean('trackDurations', trackDurations);
  if (queueClass !== undefined) assertFunction('queueClass', queueClass);
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  return {
    concurrency,
    maxQueued,
    waitWhenFull: whenFull === 'wait',
    rateLimit: limit,
    timeoutMs,
    attempts,
    backoff,
    retryIf,
    onFailed,
    paused,
    trackStartTimes,
    trackDurations,
    queueClass,
    clock,
  };
}

/**
 * Builds the order of queued tasks: the `queueClass` option's instance, or priority levels by default.
 * @throws {TypeError} when the instance lacks a method of {@link PriorityQueue}, naming it.
 * @internal
 */
export function buildPriorityQueue(queueClass: (new () => PriorityQueue) | undefined): PriorityQueue {
  const queued = queueClass === undefined ? new PriorityLevels() : new queueClass();
  for (const m of ['enqueue', 'dequeue', 'remove'] as const)
    if (typeof queued[m] !== 'function')
      throw new TypeError(`Expected \`queueClass\` to build a PriorityQueue with a \`${m}()\` method, got an object without one`);
  return queued;
}

/**
 * Checks the options of one `add`/`tryAdd` call (the queue then reads them). Runs only when options are passed.
 * @throws {TypeError}/{@link RangeError} naming the bad or unknown option.
 * @internal
 */
export function checkAddOptions(options: AddOptions): void {
  assertOptions('Queue.add options', options, ADD_KEYS, ADD_HINTS);
  const { priority, timeoutMs, signal } = options;
  if (priority !== undefined) {
    if (typeof priority !== 'number') throw new TypeError(`Expected \`priority\` to be a finite number, got ${describeValue(priority)}`);
    if (!Number.isFinite(priority)) throw new RangeError(`Expected \`priority\` to be a finite number, got ${describeValue(priority)}`);
  }
  if (timeoutMs !== undefined) assertTimeout('timeoutMs', timeoutMs);
  if (signal !== undefined) assertSignal('signal', signal);
}

/**
 * Checks the options of `close()` and fills in defaults.
 * @throws {TypeError}/{@link RangeError} naming the bad or unknown option.
 * @internal
 */
export function parseCloseOptions(options: CloseOptions | undefined): { drain: boolean; timeoutMs: number } {
  const { drain = true, timeoutMs = INF } = assertOptions('Queue.close options', options, CLOSE_KEYS, CLOSE_HINTS, true);
  assertBoolean('drain', drain);
  assertTimeout('timeoutMs', timeoutMs);
  return { drain, timeoutMs };
}

/** @throws {TypeError}/{@link RangeError} unless `value` is an integer ≥ `min`, or `Infinity`. @internal */
export function assertCount(name: string, value: unknown, min: 0 | 1): asserts value is number {
  if (value === INF) return;
  const what = min === 1 ? 'a positive integer or Infinity' : 'a non-negative integer or Infinity';
  if (typeof value !== 'number') throw new TypeError(`Expected \`${name}\` to be ${what}, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`Expected \`${name}\` to be ${what}, got ${describeValue(value)}`);
}

/** @throws {TypeError}/{@link RangeError} unless `value` is a positive number or `Infinity`. @internal */
export function assertTimeout(name: string, value: unknown): asserts value is number {
  if (value === INF) return;
  if (typeof value !== 'number')
    throw new TypeError(`Expected \`${name}\` to be a positive number or Infinity, got ${describeValue(value)}`);
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`Expected \`${name}\` to be a positive number or Infinity, got ${describeValue(value)}`);
}

function assertObject(name: string, value: unknown): asserts value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`Expected \`${name}\` to be an object, got ${describeValue(value)}`);
}
