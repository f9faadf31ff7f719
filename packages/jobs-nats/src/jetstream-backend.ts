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
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Histogram, type Listener, type Subscribable } from '@scaling/core';
import { Emitter } from '@scaling/core/internal';
import type { BackendCapabilities, BackendConsumer, DeadLetter, Delivery, EnqueueResult, JobBackend, JobRecord } from '@scaling/jobs';
import { type JetStreamConfig, resolveJetStreamOptions } from './_jetstream-config.js';
import { ensureStreams, ns } from './_streams.js';
import type { JetStreamBackendEvents } from './jetstream-backend-events.js';
import type { JetStreamBackendOptions } from './jetstream-backend-options.js';
import type { JetStreamBackendStats } from './jetstream-backend-stats.js';

const EVENTS = ['connection', 'error'] as const;

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
  readonly #options: JetStreamConfig;
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
    this.#options = resolveJetStreamOptions(options);
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
      await ensureStreams(jsm, o);
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
