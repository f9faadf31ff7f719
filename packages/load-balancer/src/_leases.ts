import type { Clock, Outcome, TimerHandle } from '@scaling/core';
import { describeValue } from '@scaling/core/internal';
import type { Columns } from './_columns.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { Endpoint, Lease } from './types.js';

/** How a lease ended, as passed to {@link LeaseSink.settle}: success, failure, or no outcome. */
export const OK = 1;
/** See {@link OK}. */
export const FAILED = 0;
/** See {@link OK}: `release()` or `release({})` — neither success nor failure. */
export const NO_OUTCOME = -1;

/** Who hears about ended leases: the balancer, which feeds latency-aware strategies and the `outcome` event. */
export interface LeaseSink {
  /** The lease on `pos` ended with `result` (OK, FAILED, NO_OUTCOME); latency and end time are in `sample`. */
  settle(pos: number, result: number): void;
}

/** A lease object; pooled by its {@link LeaseBook}. */
export class PooledLease<E extends Endpoint> implements Lease<E> {
  endpoint: E;
  /** Position of the endpoint when picked while outstanding; −1 once released, −2 once reclaimed. */
  pos = -1;
  uid = 0;
  startMs = 0;
  /** Index in the book's tracked list (lease timeouts), −1 when untracked. */
  slot = -1;
  readonly book: LeaseBook<E>;

  constructor(book: LeaseBook<E>, endpoint: E) {
    this.book = book;
    this.endpoint = endpoint;
  }

  release(outcome?: Outcome): void {
    if (this.pos >= 0) this.book.release(this, outcome);
  }
}

/**
 * Leases: issued on a position, counted in the table's active column, released once (idempotent), recycled
 * (one spare object plus a free list, so a steady pick → release stream allocates nothing), and — with
 * `leaseTimeoutMs` — reclaimed by one `unref()`ed sweep timer when their holder never releases them.
 */
export class LeaseBook<E extends Endpoint> implements Columns {
  /**
   * Pick time set by a strategy that already read the clock (NaN otherwise), so the clock is read at most
   * once per pick. Doubles travel through typed arrays, not arguments, so nothing is boxed on the hot path.
   */
  readonly pickTime = new Float64Array([Number.NaN]);
  /** The ended lease's [latencyMs, finishedAt], read by {@link LeaseSink.settle}. */
  readonly sample = new Float64Array(2);
  /** Record the pick time on each lease (latency defaulting, timeouts, latency-aware strategies, listeners). */
  needStart: boolean;

  readonly #table: EndpointTable<E>;
  /** The table's active and uid columns, cached (re-read when the table grows). */
  #active: Int32Array;
  #uid: Int32Array;
  readonly #clock: Clock;
  readonly #sink: LeaseSink;
  readonly #timeoutMs: number;
  readonly #pooled: boolean;
  #free: PooledLease<E>[] = [];
  #spare: PooledLease<E> | undefined;
  #tracked: PooledLease<E>[] = [];
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(table: EndpointTable<E>, clock: Clock, sink: LeaseSink, timeoutMs: number, pooled: boolean) {
    this.#table = table;
    this.#clock = clock;
    this.#sink = sink;
    this.#timeoutMs = timeoutMs;
    this.#pooled = pooled;
    this.needStart = timeoutMs !== Number.POSITIVE_INFINITY;
    this.#active = table.active;
    this.#uid = table.uid;
    table.attach(this);
  }

  grow(): void {
    this.#active = this.#table.active;
    this.#uid = this.#table.uid;
  }

  reset(): void {}

  move(): void {}

  /** Issues a lease on `pos`. A clock that throws leaves nothing counted. */
  lease(pos: number): Lease<E> {
    const t = this.#table;
    let startMs = 0;
    if (this.needStart) {
      const now = this.pickTime[0] as number;
      if (!Number.isNaN(now)) {
        startMs = now;
        this.pickTime[0] = Number.NaN;
      } else startMs = this.#clock.now();
    }
    let l = this.#spare;
    const e = t.eps[pos] as E;
    if (l !== undefined) {
      this.#spare = undefined;
      l.endpoint = e;
    } else {
      l = this.#free.pop();
      if (l === undefined) l = new PooledLease(this, e);
      else l.endpoint = e;
    }
    l.pos = pos;
    l.uid = this.#uid[pos] as number;
    l.startMs = startMs;
    const active = this.#active;
    active[pos] = (active[pos] as number) + 1;
    if (this.needStart && this.#timeoutMs !== Number.POSITIVE_INFINITY) {
      try {
        this.#track(l);
      } catch (err) {
        // The clock's setTimeout threw: take the lease back, so the count does not leak.
        if (l.slot >= 0) this.#untrack(l);
        l.pos = -1;
        active[pos] = (active[pos] as number) - 1;
        throw err;
      }
    }
    return l;
  }

  /** Ends `l` with `outcome` (see core's `Outcome`: no `ok` means no outcome). */
  release(l: PooledLease<E>, outcome: Outcome | undefined): void {
    // A bad latencyMs is reported after the lease is released (as if it were omitted), so counters never leak.
    // Only `latencyMs` is read on the common path; `ok` only when a strategy or listener wants the outcome.
    let latencyMs: number | undefined;
    let badLatency = false;
    if (outcome !== undefined && outcome !== null) {
      const ms = outcome.latencyMs;
      if (ms !== undefined) {
        if (typeof ms === 'number' && ms >= 0 && ms < Number.POSITIVE_INFINITY) latencyMs = ms;
        else badLatency = true;
      }
    }
    let pos = l.pos;
    l.pos = -1;
    if (l.slot >= 0) this.#untrack(l);
    if (pos >= this.#table.n || this.#uid[pos] !== l.uid) pos = this.#relocate(l);
    if (pos >= 0) {
      const active = this.#active;
      const a = active[pos] as number;
      if (a > 0) active[pos] = a - 1;
      if (this.needStart) {
        const sample = this.sample;
        if (latencyMs === undefined) {
          const now = this.#clock.now();
          sample[0] = now - l.startMs;
          sample[1] = now;
        } else {
          sample[0] = latencyMs;
          sample[1] = l.startMs + latencyMs;
        }
        const ok = outcome === undefined || outcome === null ? undefined : outcome.ok;
        this.#sink.settle(pos, ok === true ? OK : ok === false ? FAILED : NO_OUTCOME);
      }
    }
    if (this.#pooled) {
      if (this.#spare === undefined) this.#spare = l;
      else this.#free.push(l);
    }
    if (badLatency) {
      const bad = (outcome as Outcome).latencyMs;
      const msg = `Expected \`latencyMs\` to be a finite number >= 0, got ${describeValue(bad)} (the lease was released)`;
      throw typeof bad === 'number' ? new RangeError(msg) : new TypeError(msg);
    }
  }

  /** The endpoint moved (a removal swapped it) or was removed: find its instance by id and uid, or −1. */
  #relocate(l: PooledLease<E>): number {
    const t = this.#table;
    const p = t.index.get(l.endpoint.id);
    return p === undefined || t.uid[p] !== l.uid ? -1 : p;
  }

  #track(l: PooledLease<E>): void {
    l.slot = this.#tracked.length;
    this.#tracked.push(l);
    if (this.#timer === undefined && !this.#closed) this.#schedule();
  }

  #untrack(l: PooledLease<E>): void {
    const tracked = this.#tracked;
    const last = tracked.pop() as PooledLease<E>;
    if (last !== l) {
      tracked[l.slot] = last;
      last.slot = l.slot;
    }
    l.slot = -1;
    if (tracked.length === 0 && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => this.#sweep(), Math.max(this.#timeoutMs / 4, 1));
  }

  #sweep(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    const tracked = this.#tracked;
    const t = this.#table;
    try {
      for (let i = tracked.length - 1; i >= 0; i--) {
        const l = tracked[i] as PooledLease<E>;
        if (l === undefined) continue;
        const age = now - l.startMs;
        if (age < this.#timeoutMs) continue;
        // Reclaimed leases are never recycled, so the holder's late release() stays a no-op.
        let pos = l.pos;
        l.pos = -2;
        this.#untrack(l);
        if (pos >= t.n || t.uid[pos] !== l.uid) pos = this.#relocate(l);
        if (pos < 0) continue;
        if ((t.active[pos] as number) > 0) t.active[pos] = (t.active[pos] as number) - 1;
        this.sample[0] = age;
        this.sample[1] = now;
        this.#sink.settle(pos, FAILED);
      }
    } finally {
      if (tracked.length > 0 && !this.#closed && this.#timer === undefined) this.#schedule();
    }
  }

  /** Number of outstanding leases the timeout sweeper watches. */
  get tracked(): number {
    return this.#tracked.length;
  }

  /** Stops the sweep timer; picks keep working, reclaiming stops. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
