import { assertFunction } from '@scaling/core/internal';
import { resolveBackoff } from './_backoff.js';
import type { BackoffSpec } from './types.js';

/** What a handler receives besides its payload. */
export interface JobContext {
  /** The job's id. */
  readonly id: string;
  /** The job definition's name. */
  readonly name: string;
  /** This attempt, from 1. A redelivery after a worker crash is a new attempt. */
  readonly attempt: number;
  /** The idempotency key given at enqueue, if any: use it to make effects idempotent. */
  readonly idempotencyKey: string | undefined;
  /** Aborted when the worker closes without draining or its drain deadline passes. */
  readonly signal: AbortSignal;
}

/** A job's handler: resolve to succeed, throw (or reject) to fail the attempt. */
export type JobHandler<P> = (payload: P, context: JobContext) => unknown;

/** Defaults a definition applies to every enqueue of it (each overridable per enqueue). */
export interface JobDefaults {
  /** Total attempts (≥ 1). Default 1. */
  readonly attempts?: number;
  /** Backoff between attempts. */
  readonly backoff?: BackoffSpec;
}

/** A named, typed job: pass it to `JobQueue` (`jobs: [...]`) and to `enqueue`. */
export interface JobDefinition<P> {
  /** The job's name, unique within a queue. */
  readonly name: string;
  /** The handler. */
  readonly handler: JobHandler<P>;
  /** Per-definition defaults. */
  readonly defaults: JobDefaults;
}

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Defines a job: a name (letters, digits, `_` and `-`, ≤ 128 characters, so it is a valid subject or
 * key on every broker) and its handler. Share the definitions module between producers and workers.
 *
 * @throws {TypeError} for a bad name, handler or defaults.
 * @example
 * ```ts
 * import { defineJob } from '@scaling/jobs';
 * export const sendEmail = defineJob('send-email', async (p: { to: string }) => console.log('mail to', p.to), { attempts: 3 });
 * ```
 */
export function defineJob<P>(name: string, handler: JobHandler<P>, defaults: JobDefaults = {}): JobDefinition<P> {
  if (typeof name !== 'string' || !NAME.test(name))
    throw new TypeError(`Expected \`name\` to be 1–128 letters, digits, "_" or "-", got ${JSON.stringify(name)}`);
  assertFunction('handler', handler);
  if (typeof defaults !== 'object' || defaults === null) throw new TypeError('Expected `defaults` to be an object');
  for (const key of Object.keys(defaults))
    if (key !== 'attempts' && key !== 'backoff') throw new TypeError(`Unknown option \`${key}\` in job defaults`);
  if (defaults.attempts !== undefined && !(Number.isInteger(defaults.attempts) && defaults.attempts >= 1))
    throw new RangeError(`Expected \`attempts\` to be an integer ≥ 1, got ${String(defaults.attempts)}`);
  return Object.freeze({
    name,
    handler,
    defaults: Object.freeze({
      attempts: defaults.attempts,
      backoff: defaults.backoff === undefined ? undefined : resolveBackoff('backoff', defaults.backoff),
    }),
  });
}
