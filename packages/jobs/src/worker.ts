/**
 * A worker: takes deliveries from a backend and runs their handlers with a concurrency and an
 * optional rate limit (a `@scaling/queue` `Queue` does the local scheduling), then settles each
 * delivery — ack on success, retry with backoff while attempts remain, dead letter after the last.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { Histogram } from '@scaling/core';
import type { Emitter } from '@scaling/core/internal';
import { assertNonNegativeFinite, assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import { Queue } from '@scaling/queue';
import { backoffDelay } from './_backoff.js';
import type { JobContext, JobDefinition, JobHandler } from './define-job.js';
import { JobDeadlineExceededError } from './errors.js';
import type { JobEvents } from './job-queue.js';
import { type BackendConsumer, type Delivery, type JobBackend, UNSTARTED_DELIVERY_ALLOWANCE } from './types.js';

/** Options of `JobQueue.work()`. */
export interface WorkerOptions {
  /** Handlers running at once (integer ≥ 1). Default 1. */
  readonly concurrency?: number;
  /** At most `limit` handler starts in any `intervalMs` window (sliding window). Default: none. */
  readonly rateLimit?: {
    /** Most handler starts per window (integer ≥ 1). */
    readonly limit: number;
    /** Length of the sliding window, in ms. */
    readonly intervalMs: number;
  };
  /** Job names this worker runs. Default: every defined job. */
  readonly names?: readonly string[];
}

/** A running handler; its `AbortController` is created only when the handler reads `ctx.signal`. */
class Running {
  #controller: AbortController | undefined;
  #reason: unknown;
  aborted = false;
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.aborted && !this.#controller.signal.aborted) this.#controller.abort(this.#reason);
    return this.#controller.signal;
  }
  abort(reason: unknown): void {
    this.aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * A snapshot from {@link Worker.stats} (this worker's deliveries and runs; {@link JobQueue.stats} adds up every
 * worker of the queue, closed ones included). Counters add up: `delivered === started + expired + poisoned + skipped`
 * and `started === completed + failed + interrupted + running` (once the deliveries in hand have settled).
 */
export interface WorkerStats {
  /**
   * Counter: deliveries this process's workers received (redeliveries included):
   * `delivered === started + expired + poisoned + skipped`.
   */
  readonly delivered: number;
  /** Counter: deliveries of a job that had been delivered before (attempt > 1: a retry, or a redelivery after a crash). */
  readonly redelivered: number;
  /** Counter: handler runs started: `started === completed + failed + interrupted + running`. */
  readonly started: number;
  /** Counter: handler runs that resolved (the job was acknowledged). */
  readonly completed: number;
  /** Counter: handler runs that threw or rejected: `failed === retried + (deadLettered − expired − poisoned)`. */
  readonly failed: number;
  /** Counter: handler runs cut short by `worker.close({ timeoutMs })` (not acknowledged: redelivered later). */
  readonly interrupted: number;
  /** Counter: failed runs scheduled for a retry. */
  readonly retried: number;
  /** Counter: jobs sent to the dead-letter destination (last attempt failed, deadline passed, or poison message). */
  readonly deadLettered: number;
  /** Counter: jobs dead-lettered unstarted because their `deadlineMs` had passed (`ERR_DEADLINE_EXCEEDED`). */
  readonly expired: number;
  /** Counter: jobs dead-lettered unstarted because they were redelivered more often than `attempts` allows. */
  readonly poisoned: number;
  /** Counter: deliveries of a job no handler of the worker runs, handed back to the backend. */
  readonly skipped: number;
  /** Gauge: handlers running now. */
  readonly running: number;
  /**
   * Histogram (ms): from the time a job became due (`enqueue` time + `delayMs`) to the start of its first run (first
   * deliveries only; retries wait out their backoff). By the wall clock: across processes it includes their clock
   * offset. A copy.
   */
  readonly waitDuration: Histogram;
  /** Histogram (ms): handler run time, from its call to its settling, per run (failed ones included). A copy. */
  readonly runDuration: Histogram;
}

/** The numbers of {@link WorkerStats}, as mutable counters. @internal */
export type RunCounters = { -readonly [K in keyof WorkerStats as WorkerStats[K] extends number ? K : never]: number };

/** Fresh zeroed {@link RunCounters}. @internal */
export function runCounters(): RunCounters {
  return {
    delivered: 0,
    redelivered: 0,
    started: 0,
    completed: 0,
    failed: 0,
    interrupted: 0,
    retried: 0,
    deadLettered: 0,
    expired: 0,
    poisoned: 0,
    skipped: 0,
    running: 0,
  };
}

/**
 * The context published on the `scaling:jobs:run` tracing channel around each handler run (`start`, `end`,
 * `asyncStart`, `asyncEnd`, `error`); the channel adds `result` or `error` when the run settles.
 */
export interface JobRunContext {
  /** The job's id. */
  readonly id: string;
  /** The job's name (its definition). */
  readonly name: string;
  /** The delivery's attempt, from 1. */
  readonly attempt: number;
  /** The handler's error (set by the channel on `error`). */
  error?: unknown;
  /** The handler's result (set by the channel on `asyncStart`/`asyncEnd`). */
  result?: unknown;
}

/**
 * `scaling:jobs:run`: the tracing channel around each handler run (context {@link JobRunContext}). Only used when it
 * has subscribers, so an untraced run pays one check.
 */
export const RUN_CHANNEL = tracingChannel<unknown, JobRunContext>('scaling:jobs:run');

/** Calls a handler for the tracing channel, as a promise (a synchronous throw propagates). */
function callHandler(handler: JobHandler<never>, payload: never, context: JobContext): Promise<unknown> {
  return Promise.resolve(handler(payload, context));
}

/** What a worker shares with its `JobQueue` (not public). */
interface WorkerHost {
  readonly backend: JobBackend;
  readonly defs: ReadonlyMap<string, JobDefinition<never>>;
  readonly wall: { now(): number };
  readonly random: () => number;
  readonly counters: RunCounters;
  readonly durations: { readonly waitDuration: Histogram; readonly runDuration: Histogram };
  readonly events: Emitter<JobEvents>;
  readonly onClosed: (w: Worker) => void;
}

/**
 * Runs jobs from a backend. Created by `JobQueue.work()`; `close()` integrates with
 * `GracefulShutdown` (it has the same `close({ timeoutMs })` shape as a `Queue`).
 */
export class Worker {
  readonly #host: WorkerHost;
  readonly #local: Queue;
  readonly #inFlight = new Set<Running>();
  readonly #counters = runCounters();
  readonly #waitDuration = new Histogram();
  readonly #runDuration = new Histogram();
  #consumer: Promise<BackendConsumer>;
  #closing: Promise<void> | undefined;

  /** @internal created by `JobQueue.work()` */
  constructor(host: WorkerHost, options: WorkerOptions) {
    assertOptions('worker options', options, ['concurrency', 'rateLimit', 'names'], {
      limiter: 'use `rateLimit: { limit, intervalMs }`',
      lockDuration: 'set it on the backend (`new BullMqBackend({ lockDurationMs })`)',
    });
    const { concurrency = 1, rateLimit, names = [...host.defs.keys()] } = options;
    assertPositiveInteger('concurrency', concurrency);
    if (rateLimit !== undefined) {
      assertOptions('rateLimit', rateLimit, ['limit', 'intervalMs'], { max: 'use `limit`', duration: 'use `intervalMs`' });
      assertPositiveInteger('rateLimit.limit', rateLimit.limit);
      assertNonNegativeFinite('rateLimit.intervalMs', rateLimit.intervalMs);
    }
    if (!Array.isArray(names) || names.length === 0) throw new TypeError('Expected `names` to be a non-empty array of job names');
    for (const n of names) if (!host.defs.has(n)) throw new TypeError(`Expected \`names\` to list defined jobs, got ${JSON.stringify(n)}`);
    this.#host = host;
    this.#local = new Queue({ concurrency, ...(rateLimit === undefined ? {} : { rateLimit }) });
    this.#consumer = host.backend.consume(names, concurrency, (d) => this.#handle(d));
    // A consume() failure surfaces on close(); keep it from being an unhandled rejection meanwhile.
    this.#consumer.catch(() => {});
  }

  /** Handlers running now in this worker. */
  get running(): number {
    return this.#inFlight.size;
  }

  /**
   * A snapshot of this worker's counters, gauge and histograms (a fresh object; histograms are copies). See
   * {@link WorkerStats} and the package README's table.
   */
  stats(): WorkerStats {
    return { ...this.#counters, waitDuration: this.#waitDuration.clone(), runDuration: this.#runDuration.clone() };
  }

  /** Adds 1 (or `by`) to counter `name` of this worker and of its job queue. */
  #count(name: keyof RunCounters, by = 1): void {
    this.#counters[name] += by;
    this.#host.counters[name] += by;
  }

  /** Resolves once the worker is connected and taking deliveries (rejects if the backend refused). */
  async ready(): Promise<void> {
    await this.#consumer;
  }

  /**
   * Stops taking deliveries and waits for running handlers. After `timeoutMs` (default: no limit) the
   * handlers' signals are aborted; a job whose handler has not settled is not acknowledged, so the
   * backend redelivers it (durable backends) or keeps it queued (in-process). Idempotent.
   */
  close(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    assertOptions('close options', options, ['timeoutMs'], { force: 'use `timeoutMs: 0`' });
    const { timeoutMs = Number.POSITIVE_INFINITY } = options;
    if (timeoutMs !== Number.POSITIVE_INFINITY) assertNonNegativeFinite('timeoutMs', timeoutMs);
    this.#closing = (async () => {
      const consumer = await this.#consumer.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs !== Number.POSITIVE_INFINITY) {
        timer = setTimeout(() => {
          for (const c of this.#inFlight) c.abort(new Error('the worker was closed before the job finished'));
        }, timeoutMs);
        timer.unref();
      }
      try {
        await consumer?.close();
        await this.#local.close({ drain: true });
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        this.#host.onClosed(this);
      }
    })();
    return this.#closing;
  }

  async #handle(delivery: Delivery): Promise<void> {
    const { record, attempt } = delivery;
    const host = this.#host;
    const now = host.wall.now();
    this.#count('delivered');
    if (attempt > 1) this.#count('redelivered');
    if (record.deadlineAt !== undefined && now > record.deadlineAt) {
      const error = new JobDeadlineExceededError(record.name, now - record.deadlineAt);
      this.#count('expired');
      await this.#deadLetter(delivery, error);
      return;
    }
    const maxDeliveries = record.attempts + (host.backend.capabilities.exactAttempts ? 0 : UNSTARTED_DELIVERY_ALLOWANCE);
    if (attempt > maxDeliveries) {
      // Redelivered more often than it may run (its workers kept dying): a poison message.
      this.#count('poisoned');
      await this.#deadLetter(
        delivery,
        new Error(`redelivered ${attempt - 1} times after worker failures; attempts (${record.attempts}) exhausted`),
      );
      return;
    }
    const def = host.defs.get(record.name);
    if (def === undefined) {
      // A job this worker cannot run (not defined here): leave it for a worker that can.
      this.#count('skipped');
      await delivery.retry(0);
      return;
    }
    const running = new Running();
    this.#inFlight.add(running);
    this.#count('started');
    this.#count('running');
    const started = performance.now();
    let ok = false;
    let failure: unknown;
    try {
      await this.#local.add(async () => {
        if (running.aborted) throw running.signal.reason;
        const runStart = performance.now();
        if (attempt === 1) {
          const waited = Math.max(0, host.wall.now() - record.notBefore);
          this.#waitDuration.record(waited);
          host.durations.waitDuration.record(waited);
        }
        const context: JobContext = {
          id: record.id,
          name: record.name,
          attempt,
          idempotencyKey: record.idempotencyKey,
          get signal() {
            return running.signal;
          },
        };
        try {
          const payload = JSON.parse(record.payload) as never;
          if (RUN_CHANNEL.hasSubscribers)
            await RUN_CHANNEL.tracePromise(
              callHandler,
              { id: record.id, name: record.name, attempt },
              undefined,
              def.handler,
              payload,
              context,
            );
          else await def.handler(payload, context);
        } finally {
          const ran = performance.now() - runStart;
          this.#runDuration.record(ran);
          host.durations.runDuration.record(ran);
        }
      });
      ok = true;
    } catch (e) {
      failure = e;
    } finally {
      this.#count('running', -1);
      this.#inFlight.delete(running);
    }
    if (running.aborted && !ok) {
      this.#count('interrupted');
      return; // closed mid-job: not acknowledged, redelivered later
    }
    if (ok) {
      this.#count('completed');
      await delivery.ack();
      if (host.events.wants('completed'))
        host.events.emit('completed', { id: record.id, name: record.name, attempt, durationMs: performance.now() - started });
    } else if (attempt < record.attempts) {
      this.#count('failed');
      const delayMs = backoffDelay(record.backoff, attempt, host.random);
      this.#count('retried');
      await delivery.retry(delayMs);
      if (host.events.wants('retry')) host.events.emit('retry', { id: record.id, name: record.name, attempt, delayMs, error: failure });
    } else {
      this.#count('failed');
      await this.#deadLetter(delivery, failure);
    }
  }

  async #deadLetter(delivery: Delivery, error: unknown): Promise<void> {
    const { record, attempt } = delivery;
    const e = error as { message?: unknown; code?: unknown; name?: unknown } | undefined;
    await delivery.deadLetter({
      record,
      attempts: attempt,
      error: typeof e?.message === 'string' ? e.message : String(error),
      code: typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : undefined,
      at: this.#host.wall.now(),
    });
    this.#count('deadLettered');
    if (this.#host.events.wants('dead-letter')) this.#host.events.emit('dead-letter', { id: record.id, name: record.name, attempt, error });
  }
}
