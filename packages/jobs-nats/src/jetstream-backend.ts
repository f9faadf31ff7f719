/**
 * The NATS JetStream backend of `@scaling/jobs`: a work-queue stream with explicit acks. Mapping (see
 * the README for the whole table):
 *
 * - each job name is a subject `<subjectPrefix>.<name>` of one stream with `workqueue` retention (a
 *   message is removed once acknowledged);
 * - workers share a durable pull consumer per set of job names (JetStream requires the filters of
 *   consumers on a work-queue stream not to overlap: give workers of one stream disjoint `names`);
 * - at-least-once: a job not acknowledged within `ackWaitMs` (a worker died) is redelivered; a running
 *   handler extends the ack deadline (`working()`) every `ackWaitMs / 3`;
 * - retries ↦ `nak(backoff)`; attempts = JetStream's delivery count (a delayed job's first, early
 *   delivery, which only waits, is not counted); dead letters ↦ a second stream
 *   `<stream>_DEAD` (`<subjectPrefix>-dead.<name>`), then `term()`;
 * - idempotency keys ↦ `Nats-Msg-Id` within the stream's duplicate window (`idempotencyWindowMs`);
 * - priorities are not supported by JetStream: a non-zero `priority` is rejected at enqueue.
 */

import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Histogram, type Listener, type Subscribable } from '@scaling/core';
import { assertNonNegativeFinite, assertOptions, assertPositiveInteger, Emitter } from '@scaling/core/internal';
import type { BackendCapabilities, BackendConsumer, DeadLetter, Delivery, EnqueueResult, JobBackend, JobRecord } from '@scaling/jobs';

/** Options of {@link JetStreamBackend}. */
export interface JetStreamBackendOptions {
  /** An open NATS connection (not closed by the backend), or `servers` to connect to. */
  readonly connection?: NatsConnection;
  /** Server URLs (`'127.0.0.1:4222'`) when no `connection` is given. Default `'127.0.0.1:4222'`. */
  readonly servers?: string | readonly string[];
  /** Stream name. Default `'SCALING_JOBS'`. */
  readonly stream?: string;
  /** Subject prefix. Default `'scaling.jobs'`. */
  readonly subjectPrefix?: string;
  /** Durable consumer name prefix. Default `'scaling-jobs'`. */
  readonly durable?: string;
  /** Redelivery after this long without an ack or progress, in ms (consumer `ack_wait`). Default 30 000. */
  readonly ackWaitMs?: number;
  /** Duplicate window for idempotency keys, in ms (stream `duplicate_window`). Default 120 000. */
  readonly idempotencyWindowMs?: number;
}

/**
 * A snapshot from {@link JetStreamBackend.stats}: this process's view of the stream (the `stats()` convention of
 * `docs/monitoring/conventions.md`). Deliveries add up once settled:
 * `delivered === acked + retried + deadLettered + unsettled + running`.
 */
export interface JetStreamBackendStats {
  /** Counter: jobs published to the stream (not duplicates). */
  enqueued: number;
  /** Counter: publishes the stream answered as duplicates (`Nats-Msg-Id` within the duplicate window). */
  duplicates: number;
  /** Counter: messages this process's workers handed to a handler. */
  delivered: number;
  /** Counter: deliveries with attempt > 1 (a retry, or a redelivery after an ack timeout; a delayed job's wait is not one). */
  redelivered: number;
  /** Counter: deliveries acknowledged. */
  acked: number;
  /** Counter: deliveries `nak`ed for a retry after backoff. */
  retried: number;
  /** Counter: deliveries published to the dead-letter stream and terminated. */
  deadLettered: number;
  /** Counter: deliveries left unsettled (the worker closed mid-job, or settling failed): redelivered later. */
  unsettled: number;
  /** Counter: early deliveries of delayed jobs, `nak`ed until their `notBefore` (not attempts). */
  deferred: number;
  /** Counter: prefetched messages a closing worker handed back unstarted. */
  handedBack: number;
  /** Counter: messages that were not job records (terminated). */
  invalid: number;
  /** Counter: times the NATS connection was lost. */
  disconnects: number;
  /** Counter: errors reported: the connection's server errors, and failures to settle or hand back a message. */
  errors: number;
  /** Gauge: deliveries being handled now. */
  running: number;
  /** Gauge: `false` while the NATS connection is lost (reconnecting). */
  connected: boolean;
  /** Histogram (ms): round trip of each `enqueue` (publish to the stream's ack), failed ones included. A copy. */
  requestDuration: Histogram;
}

/**
 * The events of a {@link JetStreamBackend} (see `docs/events.md`), also published on `node:diagnostics_channel` as
 * `scaling:jobs-nats:<event>` with the payload plus `source` (the backend).
 */
export type JetStreamBackendEvents = {
  /** The NATS connection was lost (`connected: false`) or is back (`true`). */
  connection: {
    /** Whether the connection is up now. */
    readonly connected: boolean;
    /** The server it concerns (`host:port`). */
    readonly server: string;
  };
  /** NATS reported a server error, or a message could not be settled or handed back. */
  error: {
    /** What failed: `'server'`, `'settle'` or `'hand-back'`. */
    readonly operation: string;
    /** The error. */
    readonly error: unknown;
  };
};

const EVENTS = ['connection', 'error'] as const;

const ns = (ms: number): number => Math.round(ms * 1_000_000);
const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Jobs on NATS JetStream.
 *
 * @example
 * ```ts
 * import { defineJob, JobQueue } from '@scaling/jobs';
 * import { JetStreamBackend } from '@scaling/jobs-nats';
 * const ping = defineJob('ping', async () => {});
 * const jobs = new JobQueue({ backend: new JetStreamBackend({ servers: '127.0.0.1:4222' }), jobs: [ping] });
 * ```
 */
export class JetStreamBackend implements JobBackend, Subscribable<JetStreamBackendEvents> {
  readonly kind = 'jetstream';
  readonly capabilities: BackendCapabilities = { priority: false, durable: true, maxPayloadBytes: 1_048_576, exactAttempts: false };
  readonly #options: Required<Omit<JetStreamBackendOptions, 'connection'>> & { connection: NatsConnection | undefined };
  #init: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  readonly #stops = new Set<() => Promise<void>>();
  readonly #events = new Emitter<JetStreamBackendEvents>('jobs-nats', EVENTS, this);
  readonly #counters = {
    enqueued: 0,
    duplicates: 0,
    delivered: 0,
    redelivered: 0,
    acked: 0,
    retried: 0,
    deadLettered: 0,
    unsettled: 0,
    deferred: 0,
    handedBack: 0,
    invalid: 0,
    disconnects: 0,
    errors: 0,
    running: 0,
  };
  #connected = true;
  readonly #requestDuration = new Histogram();
  #status: AsyncIterator<unknown> | undefined;
  #closed = false;

  constructor(options: JetStreamBackendOptions = {}) {
    assertOptions(
      'JetStreamBackend options',
      options,
      ['connection', 'servers', 'stream', 'subjectPrefix', 'durable', 'ackWaitMs', 'idempotencyWindowMs'],
      {
        ackWait: 'use `ackWaitMs`',
        duplicateWindow: 'use `idempotencyWindowMs`',
      },
    );
    const {
      connection,
      servers = '127.0.0.1:4222',
      stream = 'SCALING_JOBS',
      subjectPrefix = 'scaling.jobs',
      durable = 'scaling-jobs',
      ackWaitMs = 30_000,
      idempotencyWindowMs = 120_000,
    } = options;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream))
      throw new TypeError(`Expected \`stream\` to be 1–64 letters, digits, "_" or "-", got ${JSON.stringify(stream)}`);
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix))
      throw new TypeError(`Expected \`subjectPrefix\` to be dot-separated tokens without wildcards, got ${JSON.stringify(subjectPrefix)}`);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(durable))
      throw new TypeError(`Expected \`durable\` to be 1–64 letters, digits, "_" or "-", got ${JSON.stringify(durable)}`);
    assertPositiveInteger('ackWaitMs', ackWaitMs);
    assertNonNegativeFinite('idempotencyWindowMs', idempotencyWindowMs);
    this.#options = { connection, servers: servers as string, stream, subjectPrefix, durable, ackWaitMs, idempotencyWindowMs };
  }

  /**
   * A snapshot of this process's counters, gauges and enqueue round-trip histogram (a fresh object; the histogram is
   * a copy). See {@link JetStreamBackendStats} and the README table.
   */
  stats(): JetStreamBackendStats {
    return { ...this.#counters, connected: this.#connected, requestDuration: this.#requestDuration.clone() };
  }

  /**
   * Calls `listener` with each `event`'s payload until the returned function is called: `'connection'` (lost or
   * back) and `'error'`.
   * @throws {TypeError} for an unknown event or a listener that is not a function.
   */
  on<K extends keyof JetStreamBackendEvents & string>(event: K, listener: Listener<JetStreamBackendEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  /** Removes `listener` from `event` (no-op when it was not subscribed). */
  off<K extends keyof JetStreamBackendEvents & string>(event: K, listener: Listener<JetStreamBackendEvents[K]>): void {
    this.#events.off(event, listener);
  }

  #error(operation: string, error: unknown): void {
    this.#counters.errors++;
    if (this.#events.wants('error')) this.#events.emit('error', { operation, error });
  }

  /** Follows the connection's status: disconnects and reconnects, server errors. Ends with the connection or `close()`. */
  async #watch(nc: NatsConnection): Promise<void> {
    const it = nc.status()[Symbol.asyncIterator]();
    this.#status = it;
    for (;;) {
      const next = await it.next();
      if (next.done === true || this.#closed) return;
      const s = next.value as { type: string; server?: string; error?: unknown };
      if (s.type === 'disconnect' || s.type === 'reconnect') {
        const connected = s.type === 'reconnect';
        if (!connected) this.#counters.disconnects++;
        this.#connected = connected;
        if (this.#events.wants('connection')) this.#events.emit('connection', { connected, server: String(s.server ?? '') });
      } else if (s.type === 'error') {
        this.#error('server', s.error);
      }
    }
  }

  #ready(): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> {
    this.#init ??= (async () => {
      const o = this.#options;
      const nc = o.connection ?? (await connect({ servers: o.servers as string | string[], maxReconnectAttempts: -1 }));
      this.#watch(nc).catch(() => {});
      const jsm = await jetstreamManager(nc);
      const want = {
        subjects: [`${o.subjectPrefix}.>`],
        retention: RetentionPolicy.Workqueue,
        duplicate_window: ns(o.idempotencyWindowMs),
      };
      try {
        await jsm.streams.info(o.stream);
        await jsm.streams.update(o.stream, want);
      } catch {
        await jsm.streams.add({ name: o.stream, ...want });
      }
      const dead = { subjects: [`${o.subjectPrefix}-dead.>`] };
      try {
        await jsm.streams.info(`${o.stream}_DEAD`);
      } catch {
        await jsm.streams.add({ name: `${o.stream}_DEAD`, ...dead });
      }
      return { nc, js: jetstream(nc), jsm };
    })();
    return this.#init;
  }

  async enqueue(record: JobRecord): Promise<EnqueueResult> {
    const { js } = await this.#ready();
    const started = performance.now();
    let ack: Awaited<ReturnType<JetStreamClient['publish']>>;
    try {
      ack = await js.publish(`${this.#options.subjectPrefix}.${record.name}`, enc.encode(JSON.stringify(record)), {
        msgID: record.idempotencyKey ?? record.id,
      });
    } finally {
      this.#requestDuration.record(performance.now() - started);
    }
    if (ack.duplicate) this.#counters.duplicates++;
    else this.#counters.enqueued++;
    return { id: `${this.#options.stream}:${ack.seq}`, duplicate: ack.duplicate };
  }

  async consume(names: readonly string[], concurrency: number, handle: (d: Delivery) => Promise<void>): Promise<BackendConsumer> {
    const { nc, js, jsm } = await this.#ready();
    const o = this.#options;
    const sorted = [...names].sort();
    const clean = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 80);
    // One durable consumer for the whole set where the server has multi-filter consumers (2.10+);
    // otherwise one per job name, sharing this worker's concurrency.
    const [major = 0, minor = 0] = (nc.info?.version ?? '0.0.0').split('.').map(Number);
    const multi = major > 2 || (major === 2 && minor >= 10);
    const groups = multi || sorted.length === 1 ? [sorted] : sorted.map((n) => [n]);
    const inFlight = new Set<Promise<void>>();
    const waiters: (() => void)[] = [];
    const keepAliveMs = Math.max(1, Math.floor(o.ackWaitMs / 3));
    const closers: (() => Promise<void>)[] = [];
    let stopping = false;
    const loops: Promise<void>[] = [];
    for (const group of groups) {
      const durable = `${o.durable}_${clean(group.join('_'))}`;
      const config = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: ns(o.ackWaitMs),
        max_deliver: -1,
        ...(group.length === 1
          ? { filter_subject: `${o.subjectPrefix}.${group[0]}` }
          : { filter_subjects: group.map((n) => `${o.subjectPrefix}.${n}`) }),
      };
      try {
        await jsm.consumers.info(o.stream, durable);
      } catch {
        await jsm.consumers.add(o.stream, config);
      }
      const consumer = await js.consumers.get(o.stream, durable);
      const messages = await consumer.consume({ max_messages: concurrency });
      closers.push(async () => {
        await messages.close();
      });
      loops.push(
        (async () => {
          for await (const m of messages) {
            // Wait for a free slot; a message waiting here keeps its ack deadline alive.
            while (inFlight.size >= concurrency && !stopping) {
              m.working();
              await new Promise<void>((r) => {
                const t = setTimeout(r, keepAliveMs);
                waiters.push(() => {
                  clearTimeout(t);
                  r();
                });
              });
            }
            if (stopping) {
              // Taken from the server (prefetched) but never started: hand it back without spending one
              // of its deliveries — a `nak` would count as a delivery, so a rolling restart would use up
              // `attempts` of jobs no handler ever saw. Re-published as a new message (at the back of
              // the stream), then the old one is terminated; a crash in between leaves both (at least once).
              await this.#handBack(m);
              continue;
            }
            const p = this.#run(m, handle).finally(() => {
              inFlight.delete(p);
              waiters.shift()?.();
            });
            inFlight.add(p);
          }
        })(),
      );
    }
    const stop = async (): Promise<void> => {
      this.#stops.delete(stop);
      stopping = true;
      for (const w of waiters.splice(0)) w();
      await Promise.all(closers.map((c) => c()));
      await Promise.all(loops.map((l) => l.catch(() => {})));
      await Promise.all(inFlight);
    };
    this.#stops.add(stop);
    return { close: stop };
  }

  async #handBack(m: JsMsg): Promise<void> {
    try {
      const { js } = await this.#ready();
      await js.publish(m.subject, m.data);
      m.term('handed back unstarted by a closing worker');
      this.#counters.handedBack++;
    } catch (error) {
      this.#error('hand-back', error);
      m.nak(); // could not re-publish: let the server redeliver it (this spends a delivery)
    }
  }

  async #run(m: JsMsg, handle: (d: Delivery) => Promise<void>): Promise<void> {
    let record: JobRecord;
    try {
      record = JSON.parse(dec.decode(m.data)) as JobRecord;
    } catch {
      this.#counters.invalid++;
      m.term('not a job record');
      return;
    }
    const early = record.notBefore - Date.now();
    if (early > 0) {
      this.#counters.deferred++;
      m.nak(early);
      return;
    }
    const counters = this.#counters;
    let outcome: 'acked' | 'retried' | 'deadLettered' | 'unsettled' = 'unsettled';
    const delayed = record.notBefore > record.enqueuedAt ? 1 : 0;
    let settled = false;
    const keepAlive = setInterval(() => m.working(), Math.max(1, Math.floor(this.#options.ackWaitMs / 3)));
    keepAlive.unref();
    const delivery: Delivery = {
      record,
      attempt: Math.max(1, m.info.deliveryCount - delayed),
      ack: async () => {
        if (settled) return;
        settled = true;
        await m.ackAck();
        outcome = 'acked';
      },
      retry: async (delayMs) => {
        if (settled) return;
        settled = true;
        m.nak(Math.max(1, Math.round(delayMs)));
        outcome = 'retried';
      },
      deadLetter: async (letter) => {
        if (settled) return;
        settled = true;
        const { js } = await this.#ready();
        await js.publish(`${this.#options.subjectPrefix}-dead.${record.name}`, enc.encode(JSON.stringify(letter)));
        m.term('dead-lettered');
        outcome = 'deadLettered';
      },
    };
    counters.delivered++;
    if (delivery.attempt > 1) counters.redelivered++;
    counters.running++;
    try {
      await handle(delivery);
    } catch (error) {
      // Settling failed (the connection dropped): the server redelivers after `ackWaitMs`.
      this.#error('settle', error);
    } finally {
      counters.running--;
      counters[outcome]++;
      clearInterval(keepAlive);
      // Unsettled (the worker closed mid-job): hand it back now rather than after ack_wait.
      if (!settled) m.nak();
    }
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const { jsm } = await this.#ready();
    const name = `${this.#options.stream}_DEAD`;
    const info = await jsm.streams.info(name);
    const out: DeadLetter[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      try {
        const sm = await jsm.streams.getMessage(name, { seq });
        if (sm) out.push(JSON.parse(dec.decode(sm.data)) as DeadLetter);
      } catch {
        // deleted message: skip
      }
    }
    return out;
  }

  /** Deletes both streams (tests and tooling). */
  async destroy(): Promise<void> {
    const { jsm } = await this.#ready();
    await jsm.streams.delete(this.#options.stream).catch(() => {});
    await jsm.streams.delete(`${this.#options.stream}_DEAD`).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    void this.#status?.return?.();
    await Promise.all([...this.#stops].map((s) => s()));
    if (this.#init !== undefined && this.#options.connection === undefined) {
      const { nc } = await this.#init.catch(() => ({ nc: undefined }));
      await nc?.drain().catch(() => {});
    }
  }
}
