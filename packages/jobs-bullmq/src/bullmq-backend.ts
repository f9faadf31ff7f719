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
import { Histogram, type Listener, type Subscribable } from '@scaling/core';
import { assertNonNegativeFinite, assertOptions, assertPositiveInteger, Emitter } from '@scaling/core/internal';
import type { BackendCapabilities, BackendConsumer, DeadLetter, Delivery, EnqueueResult, JobBackend, JobRecord } from '@scaling/jobs';
import { type ConnectionOptions, DelayedError, type Job, Queue, Worker } from 'bullmq';

/**
 * A snapshot from {@link BullMqBackend.stats}: this process's view of the BullMQ queue (the `stats()` convention of
 * `docs/monitoring/conventions.md`). Deliveries add up once settled:
 * `delivered === acked + retried + deadLettered + unsettled + running`.
 */
export interface BullMqBackendStats {
  /** Counter: jobs added to BullMQ (not duplicates). */
  enqueued: number;
  /** Counter: adds BullMQ's deduplication answered with an existing job. */
  duplicates: number;
  /** Counter: jobs this process's workers took and handed to a handler. */
  delivered: number;
  /** Counter: deliveries acknowledged (BullMQ job completed). */
  acked: number;
  /** Counter: deliveries moved back to delayed for a retry. */
  retried: number;
  /** Counter: deliveries moved to the dead-letter queue. */
  deadLettered: number;
  /** Counter: deliveries left unsettled (the worker closed mid-job): moved back to be redelivered. */
  unsettled: number;
  /** Counter: jobs of names no local worker runs, moved back to delayed for another worker. */
  skipped: number;
  /** Counter: jobs BullMQ reported stalled (a worker died or blocked holding them): redelivered. */
  stalled: number;
  /** Counter: errors BullMQ (or its Redis connection) reported on the queues and workers. */
  errors: number;
  /** Gauge: deliveries being handled now. */
  running: number;
  /** Histogram (ms): round trip of each `enqueue` (BullMQ `add`), failed ones included. A copy. */
  requestDuration: Histogram;
}

/**
 * The events of a {@link BullMqBackend} (see `docs/events.md`), also published on `node:diagnostics_channel` as
 * `scaling:jobs-bullmq:<event>` with the payload plus `source` (the backend).
 */
export type BullMqBackendEvents = {
  /** BullMQ or its Redis connection reported an error (a connection refused or lost, a failed command). */
  error: {
    /** Which BullMQ object reported it: `'queue'`, `'dead-letter-queue'` or `'worker'`. */
    readonly where: string;
    /** The error. */
    readonly error: unknown;
  };
  /** BullMQ found a job stalled (its worker died or blocked past `lockDurationMs`); it is redelivered. */
  stalled: {
    /** The BullMQ job id. */
    readonly jobId: string;
  };
};

const EVENTS = ['error', 'stalled'] as const;

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
export class BullMqBackend implements JobBackend, Subscribable<BullMqBackendEvents> {
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
  readonly #events = new Emitter<BullMqBackendEvents>('jobs-bullmq', EVENTS, this);
  readonly #counters = {
    enqueued: 0,
    duplicates: 0,
    delivered: 0,
    acked: 0,
    retried: 0,
    deadLettered: 0,
    unsettled: 0,
    skipped: 0,
    stalled: 0,
    errors: 0,
    running: 0,
  };
  readonly #requestDuration = new Histogram();
  /** Reports a BullMQ `error` event (counted; published when someone listens). */
  readonly #onError = (where: string) => (error: unknown) => {
    this.#counters.errors++;
    if (this.#events.wants('error')) this.#events.emit('error', { where, error });
  };
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
    // Connection errors also surface on the commands that fail; count and publish BullMQ's 'error' events (which
    // would otherwise be unhandled).
    this.#queue.on('error', this.#onError('queue'));
    this.#dead.on('error', this.#onError('dead-letter-queue'));
  }

  /**
   * A snapshot of this process's counters, gauge and enqueue round-trip histogram (a fresh object; the histogram is
   * a copy). See {@link BullMqBackendStats} and the README table.
   */
  stats(): BullMqBackendStats {
    return { ...this.#counters, requestDuration: this.#requestDuration.clone() };
  }

  /**
   * Calls `listener` with each `event`'s payload until the returned function is called: `'error'` (BullMQ or Redis
   * reported an error) and `'stalled'` (a job is redelivered after its worker stalled).
   * @throws {TypeError} for an unknown event or a listener that is not a function.
   */
  on<K extends keyof BullMqBackendEvents & string>(event: K, listener: Listener<BullMqBackendEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<K extends keyof BullMqBackendEvents & string>(event: K, listener: Listener<BullMqBackendEvents[K]>): void {
    this.#events.off(event, listener);
  }

  /** The underlying BullMQ queue, for BullMQ-specific features (metrics, pausing, Bull Board). */
  get queue(): Queue {
    return this.#queue;
  }

  async enqueue(record: JobRecord): Promise<EnqueueResult> {
    // With an idempotency key the job id must be fresh: BullMQ's deduplication answers with the
    // existing job, whose id then differs from ours.
    const jobId = record.idempotencyKey === undefined ? record.id : randomUUID();
    const started = performance.now();
    let job: Job;
    try {
      job = await this.#add(record, jobId);
    } finally {
      this.#requestDuration.record(performance.now() - started);
    }
    const duplicate = job.id !== jobId;
    if (duplicate) this.#counters.duplicates++;
    else this.#counters.enqueued++;
    return { id: job.id ?? jobId, duplicate };
  }

  #add(record: JobRecord, jobId: string): Promise<Job> {
    return this.#queue.add(record.name, record, {
      jobId,
      delay: Math.max(0, record.notBefore - Date.now()),
      priority: PRIORITY_ZERO - record.priority,
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: 1000,
      ...(record.idempotencyKey === undefined ? {} : { deduplication: { id: record.idempotencyKey, ttl: this.#windowMs } }),
    });
  }

  async consume(names: readonly string[], concurrency: number, handle: (d: Delivery) => Promise<void>): Promise<BackendConsumer> {
    const wanted = new Set(names);
    const worker = new Worker(
      this.#queueName,
      async (job: Job<JobRecord>, token?: string) => {
        const counters = this.#counters;
        if (!wanted.has(job.name)) {
          counters.skipped++;
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
        counters.delivered++;
        counters.running++;
        try {
          await handle(delivery);
        } finally {
          counters.running--;
        }
        if (outcome === 'ack') {
          counters.acked++;
          return;
        }
        if (outcome === 'dead') {
          await this.#dead.add(job.name, letter, { removeOnComplete: false });
          counters.deadLettered++;
          return;
        }
        if (outcome === 'retry') counters.retried++;
        else counters.unsettled++;
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
    worker.on('error', this.#onError('worker'));
    worker.on('stalled', (jobId: string) => {
      this.#counters.stalled++;
      if (this.#events.wants('stalled')) this.#events.emit('stalled', { jobId });
    });
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
