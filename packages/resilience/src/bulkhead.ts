/**
 * Bulkhead: at most `maxConcurrent` calls at once, up to `maxQueue` more waiting (each at most
 * `queueTimeoutMs`), the rest refused at once — so one slow dependency cannot take every connection, socket
 * or worker. A waiter whose caller aborts leaves the queue at once and gives its place back (cockatiel PR #114).
 *
 * Source: the bulkhead pattern (Nygard, "Release It!"); Polly's and cockatiel's `BulkheadPolicy`.
 */
import { type Clock, type Lease, type Outcome, systemClock } from '@scaling/core';
import {
  assertClock,
  assertNonNegativeInteger,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  assertSignal,
  Emitter,
} from '@scaling/core/internal';
import { type AbortHook, CallContext, NOT_ABORTED } from './_context.js';
import { BulkheadRejectedError } from './errors.js';
import { type AnyFn, invokeNext, type ObservablePolicy, PolicyBase, type PolicyContext } from './policy.js';

/** Options of {@link bulkhead}. */
export interface BulkheadOptions {
  /** Calls running at once. Required: a positive integer. */
  maxConcurrent: number;
  /** Calls waiting for a slot. Default 0 (refuse at once when full). */
  maxQueue?: number;
  /** Longest wait for a slot. Default Infinity. */
  queueTimeoutMs?: number;
  /** Default `systemClock`. */
  clock?: Clock;
}

/** Events of a {@link Bulkhead} (channel `scaling:resilience:bulkhead-rejected`). */
export interface BulkheadEvents {
  [event: string]: object;
  /** A call was refused with {@link BulkheadRejectedError}. */
  'bulkhead-rejected': {
    /** `'full'`: no slot and no room in the queue; `'queue-timeout'`: it waited `queueTimeoutMs` without a slot. */
    reason: 'full' | 'queue-timeout';
  };
}

/** Counters of a {@link Bulkhead}. */
export interface BulkheadStats {
  /** Calls holding a slot now. */
  active: number;
  /** Calls waiting now. */
  queued: number;
  /** Calls refused (full or timed out in the queue). */
  rejected: number;
  /** Waiters that left because their caller aborted. */
  abandoned: number;
  /** Slots granted (at once or after waiting), since creation. */
  admitted: number;
  /** Slots given back, since creation: `admitted = completed + active`. */
  completed: number;
}

/** A bulkhead. Use `execute(fn)`, or `acquire()` → `lease.release()` around a call made elsewhere. */
export interface Bulkhead extends ObservablePolicy<PolicyContext, BulkheadEvents> {
  /** Calls holding a slot now. */
  readonly active: number;
  /** Calls waiting now. */
  readonly queueLength: number;
  /**
   * Waits for a slot (or refuses).
   * @returns a lease that gives the slot back when released (the outcome is ignored).
   * @throws (rejects) {@link BulkheadRejectedError}; the signal's reason when aborted; {@link PolicyDisposedError}.
   */
  acquire(options?: { signal?: AbortSignal }): Promise<Lease>;
  /** A snapshot of the bulkhead's gauges and counters. */
  stats(): BulkheadStats;
}

/** A caller waiting for a slot (a doubly linked list node, so leaving is O(1)). */
class Waiter implements AbortHook {
  readonly owner: BulkheadPolicy;
  readonly ctx: CallContext;
  resolve!: () => void;
  reject!: (e: unknown) => void;
  timer: object | undefined = undefined;
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  linked = true;
  constructor(owner: BulkheadPolicy, ctx: CallContext) {
    this.owner = owner;
    this.ctx = ctx;
  }
  onAbort(reason: unknown): void {
    this.owner._leave(this, reason, true);
  }
}

const KNOWN = ['maxConcurrent', 'maxQueue', 'queueTimeoutMs', 'clock'];
const HINTS = { limit: 'use `maxConcurrent`', concurrency: 'use `maxConcurrent`', queue: 'use `maxQueue`' };

class BulkheadPolicy extends PolicyBase implements Bulkhead {
  readonly #max: number;
  readonly #maxQueue: number;
  readonly #queueTimeoutMs: number;
  readonly #clock: Clock;
  readonly #emitter: Emitter<BulkheadEvents>;
  #active = 0;
  #queued = 0;
  #head: Waiter | undefined = undefined;
  #tail: Waiter | undefined = undefined;
  #rejected = 0;
  #abandoned = 0;
  #admitted = 0;

  constructor(options: BulkheadOptions) {
    super('bulkhead');
    assertOptions('bulkhead', options, KNOWN, HINTS);
    const { maxConcurrent, maxQueue = 0, queueTimeoutMs = Number.POSITIVE_INFINITY, clock = systemClock } = options;
    assertPositiveInteger('maxConcurrent', maxConcurrent);
    assertNonNegativeInteger('maxQueue', maxQueue);
    if (queueTimeoutMs !== Number.POSITIVE_INFINITY) assertPositiveFinite('queueTimeoutMs', queueTimeoutMs);
    assertClock('clock', clock, ['setTimeout', 'clearTimeout']);
    this.#max = maxConcurrent;
    this.#maxQueue = maxQueue;
    this.#queueTimeoutMs = queueTimeoutMs;
    this.#clock = clock;
    this.#emitter = new Emitter<BulkheadEvents>('resilience', ['bulkhead-rejected'], this);
  }

  on<K extends keyof BulkheadEvents & string>(event: K, listener: (payload: BulkheadEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  off<K extends keyof BulkheadEvents & string>(event: K, listener: (payload: BulkheadEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  get active(): number {
    return this.#active;
  }

  get queueLength(): number {
    return this.#queued;
  }

  stats(): BulkheadStats {
    return {
      active: this.#active,
      queued: this.#queued,
      rejected: this.#rejected,
      abandoned: this.#abandoned,
      admitted: this.#admitted,
      completed: this.#admitted - this.#active, // a slot handed to a waiter stays active and is admitted again
    };
  }

  async acquire(options: { signal?: AbortSignal } = {}): Promise<Lease> {
    assertOptions('bulkhead acquire', options, ['signal']);
    const ctx = new CallContext(undefined);
    if (options.signal !== undefined) {
      assertSignal('signal', options.signal);
      ctx.external = options.signal;
    }
    const signal = options.signal;
    if (signal !== undefined && !signal.aborted) {
      const onAbort = (): void => ctx.onAbort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await this.#enter(ctx);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } else {
      await this.#enter(ctx);
    }
    return new SlotLease(this);
  }

  async _invoke(ctx: CallContext, fn: AnyFn, chain: readonly PolicyBase[], i: number): Promise<unknown> {
    if (this.#active < this.#max && !this._disposed) {
      this.#active++;
      this.#admitted++;
    } else await this.#enter(ctx);
    try {
      return await invokeNext(ctx, fn, chain, i);
    } finally {
      this._release();
    }
  }

  /** Takes a slot, waiting in the queue if needed. */
  #enter(ctx: CallContext): Promise<void> {
    if (this._disposed) return Promise.reject(this._disposedError());
    const r = ctx.reason;
    if (r !== NOT_ABORTED) return Promise.reject(r);
    if (this.#active < this.#max) {
      this.#active++;
      this.#admitted++;
      return Promise.resolve();
    }
    if (this.#queued >= this.#maxQueue) return Promise.reject(this.#refuse('full'));
    const w = new Waiter(this, ctx);
    const p = new Promise<void>((resolve, reject) => {
      w.resolve = resolve;
      w.reject = reject;
    });
    const tail = this.#tail;
    w.prev = tail;
    if (tail === undefined) this.#head = w;
    else tail.next = w;
    this.#tail = w;
    this.#queued++;
    ctx.addHook(w);
    if (this.#queueTimeoutMs !== Number.POSITIVE_INFINITY) {
      w.timer = this.#clock.setTimeout(() => {
        w.timer = undefined;
        this._leave(w, this.#refuse('queue-timeout'), false);
      }, this.#queueTimeoutMs);
    }
    return p;
  }

  #refuse(reason: 'full' | 'queue-timeout'): BulkheadRejectedError {
    this.#rejected++;
    if (this.#emitter.wants('bulkhead-rejected')) this.#emitter.emit('bulkhead-rejected', { reason });
    return new BulkheadRejectedError(
      reason === 'full'
        ? `the bulkhead is full (${this.#max} running, ${this.#maxQueue} queued)`
        : `waited ${this.#queueTimeoutMs} ms for a bulkhead slot`,
      reason,
    );
  }

  #unlink(w: Waiter): void {
    if (!w.linked) return;
    w.linked = false;
    const { prev, next } = w;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    w.prev = undefined;
    w.next = undefined;
    this.#queued--;
    w.ctx.removeHook(w);
    if (w.timer !== undefined) {
      this.#clock.clearTimeout(w.timer);
      w.timer = undefined;
    }
  }

  /** A waiter leaves without a slot (abort, queue timeout, dispose). */
  _leave(w: Waiter, reason: unknown, aborted: boolean): void {
    if (!w.linked) return;
    this.#unlink(w);
    if (aborted) this.#abandoned++;
    w.reject(reason);
  }

  /** A slot is given back: hand it to the first waiter, or free it. */
  _release(): void {
    const w = this.#head;
    if (w !== undefined) {
      this.#unlink(w);
      this.#admitted++;
      w.resolve();
    } else {
      this.#active--;
    }
  }

  override dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    while (this.#head !== undefined) this._leave(this.#head, this._disposedError(), false);
  }
}

/** The lease `acquire()` returns: gives the slot back once. */
class SlotLease implements Lease {
  #owner: BulkheadPolicy | undefined;
  constructor(owner: BulkheadPolicy) {
    this.#owner = owner;
  }
  release(_outcome?: Outcome): void {
    const o = this.#owner;
    if (o === undefined) return;
    this.#owner = undefined;
    o._release();
  }
}

/**
 * Creates a bulkhead.
 *
 * @throws {TypeError}/{@link RangeError} on a bad or unknown option, naming it.
 * @example
 * ```ts
 * import { bulkhead } from '@scaling/resilience';
 * const pdf = bulkhead({ maxConcurrent: 4, maxQueue: 20, queueTimeoutMs: 1_000 });
 * const file = await pdf.execute(() => renderPdf(order));
 * ```
 */
export function bulkhead(options: BulkheadOptions): Bulkhead {
  return new BulkheadPolicy(options);
}
