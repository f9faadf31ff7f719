/**
 * The job API: named, typed jobs enqueued to a backend (in-process, BullMQ, NATS JetStream) and run by
 * workers — the same semantics on every backend (see the package README, "Delivery semantics").
 */
import { Histogram, type Listener, type Subscribable, seededRandom } from '@scaling/core';
import {
  assertFunction,
  assertInRange,
  assertNonNegativeFinite,
  assertOptions,
  assertPositiveInteger,
  Emitter,
} from '@scaling/core/internal';
import { DEFAULT_BACKOFF, resolveBackoff } from './_backoff.js';
import type { JobDefinition } from './define-job.js';
import { DuplicateJobError, JobsClosedError, UnknownJobError, UnsupportedByBackendError } from './errors.js';
import { serializePayload } from './payload.js';
import type { EnqueueOptions, JobBackend, JobRecord } from './types.js';
import { type RunCounters, runCounters, Worker, type WorkerOptions, type WorkerStats } from './worker.js';

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Where jobs are stored and how they travel. */
  readonly backend: JobBackend;
  /** The job definitions this process enqueues or runs (from `defineJob`). */
  readonly jobs: readonly JobDefinition<never>[];
  /** Wall clock for enqueue times, delays and deadlines shared across processes. Default `Date`. */
  readonly wallClock?: {
    /** Current wall-clock time, in epoch ms. */
    now(): number;
  };
  /** Random source in [0, 1) for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** Result of {@link JobQueue.enqueue} and {@link JobBackend.enqueue}. */
export interface EnqueueResult {
  /**
   * The job's id as the backend reports it. For a duplicate, BullMQ and JetStream give the id of the job already
   * enqueued under the key; the in-process backend gives the id generated for the refused enqueue.
   */
  readonly id: string;
  /** `true` when the idempotency key had been seen within the window: nothing new was enqueued. */
  readonly duplicate: boolean;
}

/** Events of a {@link JobQueue} and its workers (channels `scaling:jobs:<event>`). */
export type JobEvents = {
  /** A job was enqueued (not for duplicates). */
  enqueued: {
    /** The new job's id. */
    readonly id: string;
    /** The job definition's name. */
    readonly name: string;
  };
  /** An attempt succeeded. */
  completed: {
    /** The job's id. */
    readonly id: string;
    /** The job definition's name. */
    readonly name: string;
    /** The attempt that succeeded, from 1. */
    readonly attempt: number;
    /** How long the handler ran, in ms. */
    readonly durationMs: number;
  };
  /** An attempt failed and will be retried after `delayMs`. */
  retry: {
    /** The job's id. */
    readonly id: string;
    /** The job definition's name. */
    readonly name: string;
    /** The attempt that failed, from 1. */
    readonly attempt: number;
    /** Backoff before the next attempt, in ms. */
    readonly delayMs: number;
    /** What the handler threw or rejected with. */
    readonly error: unknown;
  };
  /** The job failed for good (or missed its deadline) and went to the dead-letter destination. */
  'dead-letter': {
    /** The job's id. */
    readonly id: string;
    /** The job definition's name. */
    readonly name: string;
    /** The last attempt made, from 1. */
    readonly attempt: number;
    /** The last failure (handler error, deadline error, or exhausted redeliveries). */
    readonly error: unknown;
  };
};

/** Counters of a {@link JobQueue} and every worker it started. */
export interface JobStats extends WorkerStats {
  /** Counter: jobs this process enqueued (not duplicates). */
  readonly enqueued: number;
  /** Counter: enqueues answered `duplicate: true` (same `idempotencyKey` within the window). */
  readonly duplicates: number;
}

const EVENTS = ['enqueued', 'completed', 'retry', 'dead-letter'] as const;
const ENQUEUE_KEYS = ['delayMs', 'priority', 'attempts', 'backoff', 'idempotencyKey', 'deadlineMs'];

/**
 * Named, typed background jobs over a pluggable backend. Producers `enqueue`; workers (`work()`) run
 * the handlers with a concurrency and an optional rate limit. Delivery is **at least once**: make
 * effects idempotent (the handler gets the job's `idempotencyKey`).
 *
 * @throws {TypeError} for bad options, a job defined twice ({@link DuplicateJobError}).
 * @example
 * ```ts
 * import { defineJob, InProcessBackend, JobQueue } from '@scaling/jobs';
 * const sendEmail = defineJob('send-email', async (p: { to: string }) => console.log('sent to', p.to));
 * const jobs = new JobQueue({ backend: new InProcessBackend(), jobs: [sendEmail] });
 * const worker = jobs.work({ concurrency: 4 });
 * await jobs.enqueue(sendEmail, { to: 'a@example.com' }, { attempts: 3, idempotencyKey: 'welcome:a' });
 * await worker.close(); // drains what was accepted
 * await jobs.close();
 * ```
 */
export class JobQueue implements Subscribable<JobEvents> {
  readonly #backend: JobBackend;
  readonly #defs = new Map<string, JobDefinition<never>>();
  readonly #wall: { now(): number };
  readonly #random: () => number;
  readonly #workers = new Set<Worker>();
  readonly #events: Emitter<JobEvents>;
  #closed = false;
  #seq = 0;
  readonly #prefix = `${process.pid.toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
  readonly #counters: RunCounters & { enqueued: number; duplicates: number } = { enqueued: 0, duplicates: 0, ...runCounters() };
  readonly #durations = { waitDuration: new Histogram(), runDuration: new Histogram() };

  constructor(options: JobQueueOptions) {
    assertOptions('JobQueue options', options, ['backend', 'jobs', 'wallClock', 'random'], {
      connection: 'pass a backend: `new BullMqBackend({ connection })`',
      concurrency: 'set it on the worker: `jobs.work({ concurrency })`',
    });
    const { backend, jobs, wallClock = Date, random = seededRandom(Date.now() >>> 0) } = options;
    if (typeof backend !== 'object' || backend === null || typeof backend.enqueue !== 'function' || typeof backend.consume !== 'function')
      throw new TypeError('Expected `backend` to be a JobBackend (InProcessBackend, BullMqBackend, JetStreamBackend)');
    if (!Array.isArray(jobs)) throw new TypeError('Expected `jobs` to be an array of job definitions');
    for (const def of jobs) {
      if (typeof def !== 'object' || def === null || typeof def.name !== 'string' || typeof def.handler !== 'function')
        throw new TypeError('Expected every entry of `jobs` to be a job definition from defineJob()');
      if (this.#defs.has(def.name)) throw new DuplicateJobError(def.name);
      this.#defs.set(def.name, def);
    }
    if ((typeof wallClock !== 'object' && typeof wallClock !== 'function') || wallClock === null)
      throw new TypeError('Expected `wallClock` to have a now() method');
    assertFunction('wallClock.now', wallClock.now);
    assertFunction('random', random);
    this.#backend = backend;
    this.#wall = wallClock;
    this.#random = random;
    this.#events = new Emitter<JobEvents>('jobs', EVENTS, this);
  }

  /** The backend jobs go to. */
  get backend(): JobBackend {
    return this.#backend;
  }

  /** Names of the defined jobs. */
  get names(): readonly string[] {
    return [...this.#defs.keys()];
  }

  on<K extends keyof JobEvents & string>(event: K, listener: Listener<JobEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  off<K extends keyof JobEvents & string>(event: K, listener: Listener<JobEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /**
   * Validates and stores one job. Resolves once the backend has accepted it (for a broker: persisted
   * by the broker), so an accepted job is never lost by this process crashing afterwards.
   *
   * @param job - a definition (typed payload) or its name.
   * @throws {UnknownJobError} for a name with no definition; {@link InvalidPayloadError} for a payload
   *   JSON cannot carry unchanged or over the backend's size limit (nothing is enqueued);
   *   {@link UnsupportedByBackendError} for an option the backend cannot honour; {@link JobsClosedError}
   *   after `close()`; `TypeError`/`RangeError` for bad options.
   */
  async enqueue<P>(job: JobDefinition<P> | string, payload: P, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    if (this.#closed) throw new JobsClosedError('job queue');
    const name = typeof job === 'string' ? job : job?.name;
    const def = this.#defs.get(name as string);
    if (def === undefined) throw new UnknownJobError(String(name), [...this.#defs.keys()]);
    assertOptions('enqueue options', options, ENQUEUE_KEYS, {
      delay: 'use `delayMs`',
      jobId: 'use `idempotencyKey`',
      timeout: 'use `deadlineMs`',
    });
    const { delayMs = 0, priority = 0, idempotencyKey, deadlineMs } = options;
    const attempts = options.attempts ?? def.defaults.attempts ?? 1;
    assertNonNegativeFinite('delayMs', delayMs);
    if (!Number.isInteger(priority)) throw new TypeError(`Expected \`priority\` to be an integer, got ${String(priority)}`);
    assertInRange('priority', priority, -1_000_000, 1_000_000);
    if (priority !== 0 && !this.#backend.capabilities.priority) throw new UnsupportedByBackendError(this.#backend.kind, 'priority');
    assertPositiveInteger('attempts', attempts);
    if (deadlineMs !== undefined) assertNonNegativeFinite('deadlineMs', deadlineMs);
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 256))
      throw new TypeError(`Expected \`idempotencyKey\` to be a string of 1–256 characters, got ${JSON.stringify(idempotencyKey)}`);
    const backoff = options.backoff === undefined ? (def.defaults.backoff ?? DEFAULT_BACKOFF) : resolveBackoff('backoff', options.backoff);
    const text = serializePayload(payload, this.#backend.capabilities.maxPayloadBytes);
    const now = this.#wall.now();
    const record: JobRecord = {
      id: idempotencyKey === undefined ? `${this.#prefix}-${(this.#seq++).toString(36)}` : `k:${idempotencyKey}`,
      name: def.name,
      payload: text,
      enqueuedAt: now,
      notBefore: now + delayMs,
      deadlineAt: deadlineMs === undefined ? undefined : now + deadlineMs,
      attempts,
      backoff,
      priority,
      idempotencyKey,
    };
    const result = await this.#backend.enqueue(record);
    if (result.duplicate) this.#counters.duplicates++;
    else {
      this.#counters.enqueued++;
      if (this.#events.wants('enqueued')) this.#events.emit('enqueued', { id: result.id, name: def.name });
    }
    return result;
  }

  /**
   * Starts a worker running the handlers of `names` (default: every defined job).
   *
   * @throws {JobsClosedError} after `close()`; `TypeError`/`RangeError` for bad options.
   */
  work(options: WorkerOptions = {}): Worker {
    if (this.#closed) throw new JobsClosedError('job queue');
    const worker = new Worker(
      {
        backend: this.#backend,
        defs: this.#defs,
        wall: this.#wall,
        random: this.#random,
        counters: this.#counters,
        durations: this.#durations,
        events: this.#events,
        onClosed: (w) => this.#workers.delete(w),
      },
      options,
    );
    this.#workers.add(worker);
    return worker;
  }

  /** The dead-lettered jobs, oldest first. */
  deadLetters(): ReturnType<JobBackend['deadLetters']> {
    return this.#backend.deadLetters();
  }

  /**
   * A snapshot of the counters, gauge and histograms of this process's enqueues and of every worker of the queue (closed
   * ones included): a fresh object, histograms are copies. See {@link JobStats} and the package README's table.
   */
  stats(): JobStats {
    return {
      ...this.#counters,
      waitDuration: this.#durations.waitDuration.clone(),
      runDuration: this.#durations.runDuration.clone(),
    };
  }

  /**
   * Stops accepting enqueues, closes every worker (draining, see {@link Worker.close}) and the
   * backend. Idempotent.
   */
  async close(options?: { readonly timeoutMs?: number }): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#workers].map((w) => w.close(options)));
    await this.#backend.close();
  }
}
