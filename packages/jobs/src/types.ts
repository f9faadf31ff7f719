/**
 * The shapes shared by the job API and its backends: what a job is on the wire ({@link JobRecord}),
 * what a backend must do ({@link JobBackend}), and what a delivery lets a worker do ({@link Delivery}).
 */

import type { EnqueueResult } from './job-queue.js';

/** Backoff between attempts, serialisable so a broker can store it with the job. */
export interface BackoffSpec {
  /** `'exponential'`: `delayMs · 2^(attempt−1)` capped at `maxDelayMs`; `'fixed'`: always `delayMs`. */
  readonly type: 'exponential' | 'fixed';
  /** Base delay in milliseconds (≥ 0). */
  readonly delayMs: number;
  /** Cap for `'exponential'`, in milliseconds. Default 60 000. */
  readonly maxDelayMs?: number;
  /** `'full'` (default): a uniform random delay in [0, computed] (AWS "full jitter"); `'none'`: exact. */
  readonly jitter?: 'full' | 'none';
}

/** Per-job options of `enqueue`. */
export interface EnqueueOptions {
  /** Do not start before this many milliseconds from now. Default 0. */
  readonly delayMs?: number;
  /** Higher runs first (integer). Default 0. Backends without priorities reject a non-zero value. */
  readonly priority?: number;
  /** Total attempts, including the first (integer ≥ 1). Default 1 (or the job definition's). */
  readonly attempts?: number;
  /** Delay between attempts. Default `{ type: 'exponential', delayMs: 1000, jitter: 'full' }`. */
  readonly backoff?: BackoffSpec;
  /**
   * De-duplicates enqueues: a second enqueue with the same key within the backend's window is not
   * enqueued again (the result says `duplicate: true`). In-process and BullMQ: while the first job
   * exists and for `idempotencyWindowMs`; JetStream: the stream's duplicate window (`Nats-Msg-Id`).
   */
  readonly idempotencyKey?: string;
  /**
   * The job must **start** within this many milliseconds of being enqueued; a job whose deadline has
   * passed is not started but dead-lettered with a `DeadlineExceededError`. Default: no deadline.
   */
  readonly deadlineMs?: number;
}

/** A job as stored by a backend: JSON-serialisable, identical on every backend. */
export interface JobRecord {
  /** Backend-assigned (or idempotency-derived) id. */
  readonly id: string;
  /** The job definition's name. */
  readonly name: string;
  /** The payload, already validated and serialised as JSON text. */
  readonly payload: string;
  /** Wall-clock time of the enqueue (ms since the epoch; shared across processes). */
  readonly enqueuedAt: number;
  /** Earliest wall-clock start time (ms since the epoch). */
  readonly notBefore: number;
  /** Latest wall-clock start time, or `undefined` for none. */
  readonly deadlineAt: number | undefined;
  /** Total attempts allowed. */
  readonly attempts: number;
  /** Backoff between attempts. */
  readonly backoff: BackoffSpec;
  /** Priority (higher first). */
  readonly priority: number;
  /** The idempotency key, when one was given. */
  readonly idempotencyKey: string | undefined;
}

/** Why a job ended in the dead-letter destination. */
export interface DeadLetter {
  /** The job. */
  readonly record: JobRecord;
  /** Attempts made. */
  readonly attempts: number;
  /** The last error's message. */
  readonly error: string;
  /** The last error's `code` or `name`, when it has one. */
  readonly code: string | undefined;
  /** Wall-clock time of dead-lettering (ms since the epoch). */
  readonly at: number;
}

/** One delivery of a job to a worker; exactly one of `ack`, `retry`, `deadLetter` settles it. */
export interface Delivery {
  /** The job. */
  readonly record: JobRecord;
  /** This delivery's attempt number, from 1 (a redelivery after a crash counts as an attempt). */
  readonly attempt: number;
  /** The job is done: remove it. */
  ack(): Promise<void>;
  /** Run the job again after `delayMs` (a failed attempt with attempts left). */
  retry(delayMs: number): Promise<void>;
  /** Move the job to the dead-letter destination with `letter` and remove it. */
  deadLetter(letter: DeadLetter): Promise<void>;
}

/** What a backend supports; the conformance suite skips what a backend declares unsupported. */
export interface BackendCapabilities {
  /** Honours `priority` (higher first among ready jobs). */
  readonly priority: boolean;
  /** Survives a process crash: an unacknowledged job is redelivered to another worker. */
  readonly durable: boolean;
  /** Largest serialised payload accepted, in bytes. */
  readonly maxPayloadBytes: number;
  /**
   * `true` when a delivery's `attempt` counts only deliveries that reached a worker (in-process, BullMQ's
   * `attemptsStarted`). `false` when the broker also counts deliveries no handler saw (JetStream: a
   * message pulled by a worker that then closed or died before starting it); the worker then allows
   * {@link UNSTARTED_DELIVERY_ALLOWANCE} extra deliveries before treating a job as a poison message.
   */
  readonly exactAttempts: boolean;
}

/** Extra deliveries allowed on backends without exact attempt counts before a job counts as poison. */
export const UNSTARTED_DELIVERY_ALLOWANCE = 5;

/** A running consumption of deliveries from a backend. */
export interface BackendConsumer {
  /**
   * Stops taking new deliveries; with `drain` waits for the running handlers (up to the backend's
   * own limits). Deliveries not acknowledged go back to the broker (durable backends) or stay queued.
   */
  close(): Promise<void>;
}

/**
 * A job store and transport: in-process, BullMQ (Redis) or NATS JetStream. Implement it to add a
 * broker; run the shared conformance suite (`packages/jobs/test/_conformance.ts`) against it.
 */
export interface JobBackend {
  /** Short name for messages and stats (`'in-process'`, `'bullmq'`, `'jetstream'`). */
  readonly kind: string;
  /** What the backend supports. */
  readonly capabilities: BackendCapabilities;
  /** Stores `record` for delivery; `duplicate` when its idempotency key was seen within the window. */
  enqueue(record: JobRecord): Promise<EnqueueResult>;
  /**
   * Starts delivering jobs whose names are in `names` to `handle`, at most `concurrency` at once. The
   * backend calls `handle` for each delivery; `handle` settles it (ack/retry/deadLetter) before it
   * resolves.
   */
  consume(names: readonly string[], concurrency: number, handle: (delivery: Delivery) => Promise<void>): Promise<BackendConsumer>;
  /** The dead-lettered jobs, oldest first (for inspection and replay). */
  deadLetters(): Promise<DeadLetter[]>;
  /** Releases the backend's connections and timers (idempotent). */
  close(): Promise<void>;
}
