import type { Clock, Lease, TimerHandle } from '@scaling/core';
import { assertOptions, assertSignal, describeValue, Emitter } from '@scaling/core/internal';
import { resolveLimiterOptions } from './_limiter-config.js';
import { type Partition, Permit, type ReleaseFn, Waiter } from './_permit.js';
import type { AdaptiveLimit } from './adaptive-limits.js';
import type { AcquireOptions, ConcurrencyLimiterOptions } from './concurrency-limiter-options.js';
import type { ConcurrencyLimiterEvents, ConcurrencyLimiterStats } from './concurrency-limiter-stats.js';
import { ConcurrencyLimitError, type ShedReason } from './errors.js';

const EVENTS = ['limit-changed', 'shed'] as const;

/**
 * Adaptive admission control: at most `limit` requests in flight, the limit adapting to measured latency
 * (Gradient2 by default, or AIMD; Netflix concurrency-limits), guaranteed shares for priority partitions, a
 * bounded queue with a CoDel-style deadline, and shedding with {@link ConcurrencyLimitError} (answer 503) — so a
 * service sheds load before its latency collapses.
 *
 * Release every lease with the outcome (`{ ok: true }`, `{ ok: false }` for an overload failure — a timeout or a
 * 5xx from the dependency — or nothing when the request was cancelled and says nothing about load).
 *
 * @example
 * ```ts
 * import { ConcurrencyLimiter } from '@scaling/rate-limit';
 *
 * const limiter = new ConcurrencyLimiter({ partitions: { live: 0.8, batch: 0.2 } });
 * const lease = await limiter.acquire({ partition: 'live' }); // rejects with ConcurrencyLimitError (503) when shedding
 * try {
 *   // … handle the request …
 *   lease.release({ ok: true });
 * } catch (error) {
 *   lease.release({ ok: false, error });
 * }
 * console.log(limiter.stats().limit); // 20 at first; adapts with each sample
 * ```
 */
export class ConcurrencyLimiter {
  readonly #algorithm: AdaptiveLimit;
  readonly #partitions: Partition[];
  readonly #byName = new Map<string, Partition>();
  readonly #clock: Clock;
  readonly #maxQueued: number;
  readonly #targetMs: number;
  readonly #intervalMs: number;
  readonly #emitter: Emitter<ConcurrencyLimiterEvents>;
  #limit: number;
  #inflight = 0;
  #queued = 0;
  #lastEmpty: number;
  #timer: TimerHandle | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;
  #admitted = 0;
  #abandoned = 0;
  readonly #shed: Record<ShedReason, number> = { limit: 0, 'queue-full': 0, 'queue-timeout': 0, closed: 0 };

  /** @throws {TypeError}/{@link RangeError} on an unknown option or a bad value (naming it). */
  constructor(options: ConcurrencyLimiterOptions = {}) {
    const o = resolveLimiterOptions(options);
    this.#clock = o.clock;
    this.#algorithm = o.algorithm;
    this.#limit = this.#algorithm.limit;
    this.#partitions = o.partitions;
    for (const p of o.partitions) this.#byName.set(p.name, p);
    this.#maxQueued = o.maxQueued;
    this.#targetMs = o.targetMs;
    this.#intervalMs = o.intervalMs;
    this.#lastEmpty = this.#clock.now();
    this.#emitter = new Emitter<ConcurrencyLimiterEvents>('rate-limit', EVENTS, this);
  }

  /** The current concurrency limit. */
  get limit(): number {
    return this.#limit;
  }

  /** Requests holding a slot. */
  get inflight(): number {
    return this.#inflight;
  }

  /**
   * A slot now, or `undefined` when the request would have to wait (never queues).
   * @throws {TypeError} on an unknown partition.
   */
  tryAcquire(partition?: string): Lease | undefined {
    const p = this.#partition(partition);
    if (this.#closed || !this.#fits(p) || (this.#queued > 0 && p.queued > 0)) return undefined;
    return this.#grant(p);
  }

  /**
   * A slot, now or after waiting in the queue.
   * @returns a `Lease` (from `@scaling/core`); release it with the request's outcome.
   * @throws {ConcurrencyLimitError} (rejection, code `ERR_CONCURRENCY_LIMIT`, `statusCode` 503) when the queue is
   *   full (`reason: 'queue-full'`, or `'limit'` with `maxQueued: 0`), the wait passed the queue deadline
   *   (`'queue-timeout'`) or the limiter is closed (`'closed'`).
   * @throws {TypeError} on an unknown partition; the signal's reason when it aborts.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    let p: Partition;
    try {
      const o = assertOptions('acquire options', options, ['partition', 'signal'], undefined, true);
      if (o.signal !== undefined) assertSignal('signal', o.signal);
      p = this.#partition(o.partition);
      if (this.#closed) throw this.#shedError('closed', p);
      o.signal?.throwIfAborted();
      if (this.#fits(p) && p.queued === 0) return Promise.resolve(this.#grant(p));
      if (this.#queued >= this.#maxQueued) throw this.#shedError(this.#maxQueued === 0 ? 'limit' : 'queue-full', p);
      const signal = o.signal;
      return new Promise<Lease>((resolve, reject) => {
        const w = new Waiter(p, this.#clock.now(), resolve, reject, signal);
        p.queue.push(w);
        this.#queued++;
        if (signal !== undefined) {
          w.onAbort = () => this.#abort(w);
          signal.addEventListener('abort', w.onAbort, { once: true });
        }
        this.#arm();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Runs `task` under a slot and releases it with the task's outcome (`ok` when it resolves, not `ok` when it
   * rejects; latency measured here).
   * @throws whatever {@link ConcurrencyLimiter.acquire} or the task throws.
   */
  async run<T>(task: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    const lease = await this.acquire(options);
    try {
      const v = await task();
      lease.release({ ok: true });
      return v;
    } catch (error) {
      lease.release({ ok: false, error });
      throw error;
    }
  }

  /** Rejects every queued request (`reason: 'closed'`) and every later `acquire`; leases in flight stay valid. */
  close(): void {
    this.#closed = true;
    for (const p of this.#partitions) {
      while (p.queued > 0) {
        const w = this.#shift(p) as Waiter;
        this.#settle(w, this.#shedError('closed', p));
      }
    }
    this.#disarm();
  }

  /** Subscribes to an event ({@link ConcurrencyLimiterEvents}); returns the unsubscribe function. */
  on<K extends keyof ConcurrencyLimiterEvents & string>(event: K, listener: (payload: ConcurrencyLimiterEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  /** Removes a listener added with {@link ConcurrencyLimiter.on}. */
  off<K extends keyof ConcurrencyLimiterEvents & string>(event: K, listener: (payload: ConcurrencyLimiterEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  /** A snapshot of counters and gauges (never changes state). */
  stats(): ConcurrencyLimiterStats {
    const partitions: ConcurrencyLimiterStats['partitions'] = {};
    for (const p of this.#partitions) partitions[p.name] = { limit: this.#share(p), inflight: p.inflight, queued: p.queued };
    return {
      limit: this.#limit,
      inflight: this.#inflight,
      queued: this.#queued,
      admitted: this.#admitted,
      completed: this.#admitted - this.#inflight, // every admitted lease is in flight or released
      abandoned: this.#abandoned,
      shed: { ...this.#shed },
      overloaded: this.#overloaded(this.#clock.now()),
      partitions,
    };
  }

  /** Called by a lease's first `release`. */
  readonly #release: ReleaseFn = (permit, outcome) => {
    this.#inflight--;
    permit.partition.inflight--;
    if (outcome?.ok !== undefined) {
      const rtt = outcome.latencyMs ?? this.#clock.now() - permit.start;
      const previous = this.#limit;
      this.#limit = this.#algorithm.update(rtt, permit.inflight, outcome.ok === false);
      if (this.#limit !== previous && this.#emitter.wants('limit-changed'))
        this.#emitter.emit('limit-changed', { limit: this.#limit, previous });
    }
    this.#dispatch();
  };

  #partition(name: string | undefined): Partition {
    if (name === undefined) return this.#partitions[0] as Partition;
    const p = this.#byName.get(name);
    if (p === undefined) {
      throw new TypeError(
        `Expected \`partition\` to be one of ${[...this.#byName.keys()].map((n) => `"${n}"`).join(', ')}, got ${describeValue(name)}`,
      );
    }
    return p;
  }

  #share(p: Partition): number {
    return Math.max(1, Math.ceil(this.#limit * p.share));
  }

  #fits(p: Partition): boolean {
    return this.#inflight < this.#limit || (this.#partitions.length > 1 && p.inflight < this.#share(p));
  }

  #grant(p: Partition): Permit {
    this.#inflight++;
    p.inflight++;
    this.#admitted++;
    return new Permit(this.#release, p, this.#clock.now(), this.#inflight);
  }

  #shedError(reason: ShedReason, p: Partition): ConcurrencyLimitError {
    this.#shed[reason]++;
    if (this.#emitter.wants('shed')) this.#emitter.emit('shed', { partition: p.name, reason });
    const why =
      reason === 'closed'
        ? 'the limiter is closed'
        : reason === 'queue-timeout'
          ? 'it waited past the queue deadline'
          : reason === 'queue-full'
            ? `the queue is full (${this.#maxQueued})`
            : `the concurrency limit (${this.#limit}) is reached`;
    return new ConcurrencyLimitError(reason, p.name, `Request shed (partition "${p.name}"): ${why}`);
  }

  #overloaded(now: number): boolean {
    return this.#queued > 0 && now - this.#lastEmpty > this.#intervalMs;
  }

  #deadline(now: number): number {
    return this.#overloaded(now) ? this.#targetMs : this.#intervalMs;
  }

  #shift(p: Partition): Waiter | undefined {
    if (p.head >= p.queue.length) return undefined;
    const w = p.queue[p.head] as Waiter;
    p.queue[p.head] = undefined as unknown as Waiter;
    p.head++;
    if (p.head > 1024 && p.head * 2 > p.queue.length) {
      p.queue.splice(0, p.head);
      p.head = 0;
    }
    this.#queued--;
    if (this.#queued === 0) this.#lastEmpty = this.#clock.now();
    return w;
  }

  #settle(w: Waiter, error: unknown, lease?: Lease): void {
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    const resolve = w.resolve;
    w.resolve = undefined;
    if (resolve === undefined) return;
    if (lease !== undefined) resolve(lease);
    else w.reject(error);
  }

  #dispatch(): void {
    const now = this.#clock.now();
    const deadline = this.#deadline(now);
    for (const p of this.#partitions) {
      while (p.queued > 0) {
        const w = p.queue[p.head] as Waiter;
        if (w.resolve === undefined) {
          this.#shift(p);
          continue;
        }
        if (now - w.enqueuedAt > deadline) {
          this.#shift(p);
          this.#settle(w, this.#shedError('queue-timeout', p));
          continue;
        }
        if (!this.#fits(p)) break;
        this.#shift(p);
        this.#settle(w, undefined, this.#grant(p));
      }
    }
    this.#arm();
  }

  #abort(w: Waiter): void {
    if (w.resolve === undefined) return;
    const reason = w.signal?.reason;
    w.resolve = undefined;
    this.#abandoned++;
    w.reject(reason);
    const p = w.partition;
    const i = p.queue.indexOf(w, p.head);
    if (i >= 0) {
      p.queue.splice(i, 1);
      this.#queued--;
      if (this.#queued === 0) this.#lastEmpty = this.#clock.now();
    }
    this.#arm();
  }

  /** One timer for the whole queue, due when the oldest waiter passes the deadline. */
  #arm(): void {
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of this.#partitions) {
      const w = p.queue[p.head];
      if (w !== undefined && w.enqueuedAt < oldest) oldest = w.enqueuedAt;
    }
    if (oldest === Number.POSITIVE_INFINITY) {
      this.#disarm();
      return;
    }
    const now = this.#clock.now();
    const at = oldest + this.#deadline(now);
    // CoDel mode may start later (the queue stays non-empty past the interval): re-check then too
    const modeAt = this.#lastEmpty + this.#intervalMs;
    const due = Math.min(at, modeAt > now ? modeAt : at) + 1e-3;
    if (this.#timer !== undefined && due >= this.#timerAt) return;
    this.#disarm();
    this.#timerAt = due;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#dispatch();
    }, due - now);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }
}
