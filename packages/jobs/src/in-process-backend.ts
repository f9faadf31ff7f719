/**
 * The in-process backend: jobs live in this process's memory (for tests, development and small
 * single-instance deployments). Same semantics as the brokers except durability: a crash loses
 * what was queued (`capabilities.durable` is `false`).
 */
import { type Clock, type TimerHandle, wallClock } from '@scaling/core';
import { assertClock, assertNonNegativeFinite, assertOptions, assertPositiveInteger } from '@scaling/core/internal';
import type { EnqueueResult } from './job-queue.js';
import type { BackendCapabilities, BackendConsumer, DeadLetter, Delivery, JobBackend, JobRecord } from './types.js';

/** Options of {@link InProcessBackend}. */
export interface InProcessBackendOptions {
  /**
   * Clock for delays and the idempotency window; its `now()` is used as the wall clock, so pass the
   * same clock as `JobQueue`'s `wallClock` in tests. Default: `Date.now()` and Node timers.
   */
  readonly clock?: Clock;
  /** How long an idempotency key blocks re-enqueues after the first enqueue, in ms. Default 120 000. */
  readonly idempotencyWindowMs?: number;
  /** Largest payload accepted, in bytes. Default 1 048 576. */
  readonly maxPayloadBytes?: number;
}

interface Stored {
  record: JobRecord;
  /** Deliveries so far. */
  deliveries: number;
  /** Ready to run at (wall ms). */
  readyAt: number;
  timer: TimerHandle | undefined;
}

/** An array used as a FIFO: taking from the front moves `head` instead of shifting the array. */
interface Fifo {
  items: (Stored | undefined)[];
  head: number;
}

interface Consumer {
  names: ReadonlySet<string>;
  concurrency: number;
  active: number;
  closed: boolean;
  handle: (d: Delivery) => Promise<void>;
  idle: (() => void) | undefined;
}

/**
 * Jobs in memory: priority order (higher first, FIFO within a priority), timers for delays and
 * retries, an idempotency window, a dead-letter list.
 *
 * @example
 * ```ts
 * import { InProcessBackend } from '@scaling/jobs';
 * const backend = new InProcessBackend({ idempotencyWindowMs: 60_000 });
 * ```
 */
export class InProcessBackend implements JobBackend {
  readonly kind = 'in-process';
  readonly capabilities: BackendCapabilities;
  readonly #clock: Clock;
  readonly #windowMs: number;
  /** Ready jobs by priority (a FIFO with a head index); `#priorities` sorted descending. */
  readonly #ready = new Map<number, Fifo>();
  #priorities: number[] = [];
  readonly #delayed = new Set<Stored>();
  readonly #keys = new Map<string, number>();
  readonly #dead: DeadLetter[] = [];
  readonly #consumers = new Set<Consumer>();
  #closed = false;

  constructor(options: InProcessBackendOptions = {}) {
    assertOptions('InProcessBackend options', options, ['clock', 'idempotencyWindowMs', 'maxPayloadBytes']);
    const { clock = wallClock, idempotencyWindowMs = 120_000, maxPayloadBytes = 1_048_576 } = options;
    assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
    assertNonNegativeFinite('idempotencyWindowMs', idempotencyWindowMs);
    assertPositiveInteger('maxPayloadBytes', maxPayloadBytes);
    this.#clock = clock;
    this.#windowMs = idempotencyWindowMs;
    this.capabilities = { priority: true, durable: false, maxPayloadBytes, exactAttempts: true };
  }

  /** Jobs waiting (ready or delayed), not counting running ones. */
  get size(): number {
    let n = this.#delayed.size;
    for (const f of this.#ready.values()) n += f.items.length - f.head;
    return n;
  }

  async enqueue(record: JobRecord): Promise<EnqueueResult> {
    if (this.#closed) throw new Error('The in-process backend is closed');
    const key = record.idempotencyKey;
    if (key !== undefined) {
      const until = this.#keys.get(key);
      const now = this.#clock.now();
      if (until !== undefined && until > now) return { id: record.id, duplicate: true };
      this.#keys.set(key, now + this.#windowMs);
      if (this.#keys.size > 1024) for (const [k, t] of this.#keys) if (t <= now) this.#keys.delete(k);
    }
    this.#schedule({ record, deliveries: 0, readyAt: record.notBefore, timer: undefined });
    return { id: record.id, duplicate: false };
  }

  async consume(names: readonly string[], concurrency: number, handle: (d: Delivery) => Promise<void>): Promise<BackendConsumer> {
    const c: Consumer = { names: new Set(names), concurrency, active: 0, closed: false, handle, idle: undefined };
    this.#consumers.add(c);
    queueMicrotask(() => this.#pump());
    return {
      close: () => {
        c.closed = true;
        this.#consumers.delete(c);
        return c.active === 0 ? Promise.resolve() : new Promise<void>((r) => (c.idle = r));
      },
    };
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return [...this.#dead];
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#delayed) if (s.timer !== undefined) this.#clock.clearTimeout(s.timer);
  }

  #schedule(s: Stored): void {
    const wait = s.readyAt - this.#clock.now();
    if (wait > 0) {
      this.#delayed.add(s);
      s.timer = this.#clock.setTimeout(() => {
        s.timer = undefined;
        this.#delayed.delete(s);
        this.#makeReady(s);
      }, wait);
    } else this.#makeReady(s);
  }

  #makeReady(s: Stored): void {
    const p = s.record.priority;
    let fifo = this.#ready.get(p);
    if (fifo === undefined) {
      fifo = { items: [], head: 0 };
      this.#ready.set(p, fifo);
      this.#priorities = [...this.#ready.keys()].sort((a, b) => b - a);
    }
    fifo.items.push(s);
    queueMicrotask(() => this.#pump());
  }

  /** Hands ready jobs to consumers with free capacity, highest priority first. */
  #pump(): void {
    if (this.#closed) return;
    for (const c of this.#consumers) {
      while (!c.closed && c.active < c.concurrency) {
        const s = this.#take(c.names);
        if (s === undefined) break;
        this.#deliver(c, s);
      }
    }
  }

  #take(names: ReadonlySet<string>): Stored | undefined {
    for (const p of this.#priorities) {
      const f = this.#ready.get(p) as Fifo;
      for (let i = f.head; i < f.items.length; i++) {
        const s = f.items[i];
        if (s === undefined || !names.has(s.record.name)) continue;
        if (i === f.head) {
          f.items[i] = undefined;
          f.head++;
          // Skip holes left by takes further in; compact once the dead prefix is large.
          while (f.head < f.items.length && f.items[f.head] === undefined) f.head++;
          if (f.head === f.items.length) {
            f.items.length = 0;
            f.head = 0;
          } else if (f.head > 1024 && f.head * 2 > f.items.length) {
            f.items = f.items.slice(f.head);
            f.head = 0;
          }
        } else f.items.splice(i, 1);
        return s;
      }
    }
    return undefined;
  }

  #deliver(c: Consumer, s: Stored): void {
    c.active++;
    s.deliveries++;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    const delivery: Delivery = {
      record: s.record,
      attempt: s.deliveries,
      ack: async () => {
        settle();
      },
      retry: async (delayMs) => {
        if (!settle()) return;
        s.readyAt = this.#clock.now() + delayMs;
        this.#schedule(s);
      },
      deadLetter: async (letter) => {
        if (settle()) this.#dead.push(letter);
      },
    };
    const done = (): void => {
      // A delivery its handler left unsettled (the worker closed mid-job) goes back to the queue.
      if (!settled) {
        settled = true;
        s.readyAt = this.#clock.now();
        this.#schedule(s);
      }
      c.active--;
      if (c.closed && c.active === 0) c.idle?.();
      else this.#pump();
    };
    c.handle(delivery).then(done, done);
  }
}
