/**
 * The BullMQ backend of `@scaling/jobs`: jobs are BullMQ jobs in Redis, so they survive crashes and
 * restarts of producers and workers. Mapping (see the README for the whole table):
 *
 * - every job name shares one BullMQ queue (`queueName`); our priority p ↦ BullMQ priority
 *   `1 000 001 − p` (BullMQ: lower first, FIFO within a priority);
 * - delays ↦ BullMQ `delay`; a retry ↦ `job.moveToDelayed(now + backoff)` + `DelayedError`, so
 *   BullMQ's own attempt machinery is not involved and every backend counts attempts the same way
 *   (`job.attemptsStarted`, which also counts restarts after a stall);
 * - a worker that dies holding a job ↦ BullMQ's stalled-job check moves it back to wait after
 *   `lockDurationMs`; it is redelivered to another worker (at least once);
 * - idempotency keys ↦ BullMQ `deduplication: { id, ttl: idempotencyWindowMs }`;
 * - dead letters ↦ jobs in a second queue, `<queueName>-dead`, never processed.
 */

import { randomUUID } from 'node:crypto';
import { assertNonNegativeFinite, assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import type { BackendCapabilities, BackendConsumer, DeadLetter, Delivery, EnqueueResult, JobBackend, JobRecord } from '@scaling/jobs';
import { type ConnectionOptions, DelayedError, type Job, Queue, Worker } from 'bullmq';

/** Options of {@link BullMqBackend}. */
export interface BullMqBackendOptions {
  /** Redis connection: ioredis options (`{ host, port }`) or an ioredis instance (BullMQ's `connection`). */
  readonly connection: ConnectionOptions;
  /** BullMQ queue name. Default `'scaling-jobs'`. */
  readonly queueName?: string;
  /** BullMQ key prefix. Default `'bull'`. */
  readonly prefix?: string;
  /**
   * How long a worker holds a job's lock without renewing it before the job counts as stalled and is
   * redelivered, in ms (BullMQ `lockDuration`). Default 30 000. The stalled check runs every
   * `lockDurationMs` too.
   */
  readonly lockDurationMs?: number;
  /** Idempotency window, in ms. Default 120 000. */
  readonly idempotencyWindowMs?: number;
  /** Largest payload accepted, in bytes. Default 1 048 576. */
  readonly maxPayloadBytes?: number;
}

const PRIORITY_ZERO = 1_000_001;

/**
 * Jobs on BullMQ (Redis). Use an own Redis with persistence (AOF) in production: the guarantee that
 * an accepted job is not lost is Redis's durability guarantee.
 *
 * @example
 * ```ts
 * import { defineJob, JobQueue } from '@scaling/jobs';
 * import { BullMqBackend } from '@scaling/jobs-bullmq';
 * const ping = defineJob('ping', async () => {});
 * const jobs = new JobQueue({ backend: new BullMqBackend({ connection: { host: '127.0.0.1', port: 6379 } }), jobs: [ping] });
 * ```
 */
export class BullMqBackend implements JobBackend {
  readonly kind = 'bullmq';
  readonly capabilities: BackendCapabilities;
  readonly #connection: ConnectionOptions;
  readonly #queueName: string;
  readonly #prefix: string;
  readonly #lockMs: number;
  readonly #windowMs: number;
  readonly #queue: Queue;
  readonly #dead: Queue;
  readonly #workers = new Set<Worker>();
  #closed = false;

  constructor(options: BullMqBackendOptions) {
    assertOptions(
      'BullMqBackend options',
      options,
      ['connection', 'queueName', 'prefix', 'lockDurationMs', 'idempotencyWindowMs', 'maxPayloadBytes'],
      {
        lockDuration: 'use `lockDurationMs`',
        name: 'use `queueName`',
      },
    );
    const {
      connection,
      queueName = 'scaling-jobs',
      prefix = 'bull',
      lockDurationMs = 30_000,
      idempotencyWindowMs = 120_000,
      maxPayloadBytes = 1_048_576,
    } = options;
    if (typeof connection !== 'object' || connection === null)
      throw new TypeError('Expected `connection` to be ioredis options or an ioredis instance');
    if (typeof queueName !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(queueName))
      throw new TypeError(`Expected \`queueName\` to be 1–100 letters, digits, "_" or "-", got ${JSON.stringify(queueName)}`);
    if (typeof prefix !== 'string' || prefix.length === 0)
      throw new TypeError(`Expected \`prefix\` to be a non-empty string, got ${JSON.stringify(prefix)}`);
    assertPositiveInteger('lockDurationMs', lockDurationMs);
    assertNonNegativeFinite('idempotencyWindowMs', idempotencyWindowMs);
    assertPositiveInteger('maxPayloadBytes', maxPayloadBytes);
    this.#connection = connection;
    this.#queueName = queueName;
    this.#prefix = prefix;
    this.#lockMs = lockDurationMs;
    this.#windowMs = idempotencyWindowMs;
    this.capabilities = { priority: true, durable: true, maxPayloadBytes, exactAttempts: true };
    this.#queue = new Queue(queueName, { connection, prefix });
    this.#dead = new Queue(`${queueName}-dead`, { connection, prefix });
    // Connection errors surface on the commands that fail; keep them from being unhandled 'error' events.
    this.#queue.on('error', () => {});
    this.#dead.on('error', () => {});
  }

  /** The underlying BullMQ queue, for BullMQ-specific features (metrics, pausing, Bull Board). */
  get queue(): Queue {
    return this.#queue;
  }

  async enqueue(record: JobRecord): Promise<EnqueueResult> {
    // With an idempotency key the job id must be fresh: BullMQ's deduplication answers with the
    // existing job, whose id then differs from ours.
    const jobId = record.idempotencyKey === undefined ? record.id : randomUUID();
    const job = await this.#queue.add(record.name, record, {
      jobId,
      delay: Math.max(0, record.notBefore - Date.now()),
      priority: PRIORITY_ZERO - record.priority,
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: 1000,
      ...(record.idempotencyKey === undefined ? {} : { deduplication: { id: record.idempotencyKey, ttl: this.#windowMs } }),
    });
    return { id: job.id ?? jobId, duplicate: job.id !== jobId };
  }

  async consume(names: readonly string[], concurrency: number, handle: (d: Delivery) => Promise<void>): Promise<BackendConsumer> {
    const wanted = new Set(names);
    const worker = new Worker(
      this.#queueName,
      async (job: Job<JobRecord>, token?: string) => {
        if (!wanted.has(job.name)) {
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError();
        }
        let outcome: 'ack' | 'retry' | 'dead' | undefined;
        let retryAt = 0;
        let letter: DeadLetter | undefined;
        const delivery: Delivery = {
          record: job.data,
          attempt: job.attemptsStarted,
          ack: async () => {
            outcome ??= 'ack';
          },
          retry: async (delayMs) => {
            if (outcome !== undefined) return;
            outcome = 'retry';
            retryAt = Date.now() + delayMs;
          },
          deadLetter: async (l) => {
            if (outcome !== undefined) return;
            outcome = 'dead';
            letter = l;
          },
        };
        await handle(delivery);
        if (outcome === 'ack') return;
        if (outcome === 'dead') {
          await this.#dead.add(job.name, letter, { removeOnComplete: false });
          return;
        }
        // retry, or unsettled (the worker closed mid-job): back to delayed, not a BullMQ failure.
        await job.moveToDelayed(outcome === 'retry' ? retryAt : Date.now(), token);
        throw new DelayedError();
      },
      {
        connection: this.#connection,
        prefix: this.#prefix,
        concurrency,
        lockDuration: this.#lockMs,
        stalledInterval: this.#lockMs,
        // Stalls (a worker that died) are redeliveries, capped by the job's own `attempts` in the
        // worker, not by BullMQ.
        maxStalledCount: 1_000_000,
        autorun: true,
      },
    );
    worker.on('error', () => {});
    this.#workers.add(worker);
    await worker.waitUntilReady();
    return {
      close: async () => {
        this.#workers.delete(worker);
        await worker.close();
      },
    };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const jobs = await this.#dead.getJobs(['waiting', 'prioritized', 'delayed'], 0, -1, true);
    return jobs.map((j) => j.data as DeadLetter).sort((a, b) => a.at - b.at);
  }

  /** Removes every job and dead letter of this queue (tests and tooling). */
  async obliterate(): Promise<void> {
    await this.#queue.obliterate({ force: true });
    await this.#dead.obliterate({ force: true });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#workers].map((w) => w.close()));
    await this.#queue.close();
    await this.#dead.close();
  }
}
