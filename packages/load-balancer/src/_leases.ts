import { type Channel, channel } from 'node:diagnostics_channel';
import type { Clock, Histogram, Outcome, TimerHandle } from '@scaling/core';
import { describeValue } from '@scaling/core/internal';
import type { Columns } from './_columns.js';
import { type EndpointCounters, STRIDE, TIMEOUTS } from './_counters.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { Endpoint, Lease } from './types.js';

/** How a lease ended, as passed to {@link LeaseSink.settle}: success, failure, or no outcome. */
export const OK = 1;
/** See {@link OK}. */
export const FAILED = 0;
/** See {@link OK}: `release()` or `release({})` — neither success nor failure. */
export const NO_OUTCOME = -1;

/**
 * The `outcome` event's diagnostics channel (the emitter publishes on it). A subscriber there makes every
 * balancer issue timed leases, so outcomes reach it from balancers nobody subscribed to with `on()`.
 */
export const outcomeChannel: Channel = channel('scaling:load-balancer:outcome');

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
    if (this.pos >= 0) this.book.releasePlain(this, outcome);
  }
}

/**
 * A lease with a start time (latency wanted, or a lease timeout): its own class, so that a call site that
 * releases plain leases never sees (or inlines) the timed path, and the other way round.
 */
export class TimedLease<E extends Endpoint> extends PooledLease<E> {
  override release(outcome?: Outcome): void {
    if (this.pos >= 0) this.book.releaseTimed(this, outcome, true);
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
  /** The table's endpoints, active and uid columns, cached (the typed arrays re-read when the table grows). */
  readonly #eps: E[];
  #active: Int32Array;
  #uid: Int32Array;
  readonly #counts: EndpointCounters;
  /** Latency histograms are on (hoisted from the counters). */
  readonly #histograms: boolean;
  /** The counters' column (re-read when the table grows; the counters are attached before the book). */
  #tally: Float64Array;
  /** Leases are tracked for the timeout sweep. */
  readonly #timed: boolean;
  readonly #clock: Clock;
  readonly #sink: LeaseSink;
  readonly #timeoutMs: number;
  readonly #pooled: boolean;
  #free: PooledLease<E>[] = [];
  #spare: PooledLease<E> | undefined;
  #timedFree: PooledLease<E>[] = [];
  #timedSpare: PooledLease<E> | undefined;
  #tracked: PooledLease<E>[] = [];
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(table: EndpointTable<E>, counters: EndpointCounters, clock: Clock, sink: LeaseSink, timeoutMs: number, pooled: boolean) {
    this.#table = table;
    this.#eps = table.eps;
    this.#counts = counters;
    this.#tally = counters.counts;
    this.#histograms = counters.histograms !== undefined;
    this.#timed = timeoutMs !== Number.POSITIVE_INFINITY;
    this.#clock = clock;
    this.#sink = sink;
    this.#timeoutMs = timeoutMs;
    this.#pooled = pooled;
    this.needStart = timeoutMs !== Number.POSITIVE_INFINITY;
    this.lease = this.needStart ? this.leaseTimed : this.leasePlain;
    this.#active = table.active;
    this.#uid = table.uid;
    table.attach(this);
  }

  grow(): void {
    this.#tally = this.#counts.counts;
    this.#active = this.#table.active;
    this.#uid = this.#table.uid;
  }

  reset(): void {}

  move(): void {}

  /** Record start times from now on (latency-aware strategies, outcome listeners, histograms). */
  wantStartTimes(): void {
    this.needStart = true;
    this.lease = this.leaseTimed;
  }

  /**
   * Issues a lease on `pos`: {@link LeaseBook.leasePlain} or {@link LeaseBook.leaseTimed}, chosen when the
   * configuration changes, so each strategy's call site sees one target.
   */
  lease: (pos: number) => Lease<E>;

  /** A lease without start time or timeout; small enough to be inlined into a strategy's `pick`. */
  leasePlain(pos: number): Lease<E> {
    if (outcomeChannel.hasSubscribers) return this.leaseTimed(pos);
    let l = this.#spare;
    if (l === undefined) l = this.#fresh(pos, false);
    else this.#spare = undefined;
    l.endpoint = this.#eps[pos] as E;
    l.pos = pos;
    l.uid = this.#uid[pos] as number;
    const active = this.#active;
    active[pos] = (active[pos] as number) + 1;
    return l;
  }

  /** A lease with its start time (and on the timeout sweep's list). A clock that throws leaves nothing counted. */
  leaseTimed(pos: number): Lease<E> {
    // The clock first: if it throws, nothing is counted yet.
    const startMs = this.#startTime();
    let l = this.#timedSpare;
    if (l === undefined) l = this.#fresh(pos, true);
    else this.#timedSpare = undefined;
    l.endpoint = this.#eps[pos] as E;
    l.pos = pos;
    l.uid = this.#uid[pos] as number;
    l.startMs = startMs;
    const active = this.#active;
    active[pos] = (active[pos] as number) + 1;
    if (this.#timed) this.#trackOrUndo(l, pos);
    return l;
  }

  /** A lease object from a free list, or a new one. */
  #fresh(pos: number, timed: boolean): PooledLease<E> {
    const l = (timed ? this.#timedFree : this.#free).pop();
    if (l !== undefined) return l;
    return timed ? new TimedLease(this, this.#eps[pos] as E) : new PooledLease(this, this.#eps[pos] as E);
  }

  /** The pick time a strategy left in {@link LeaseBook.pickTime}, or the clock's. */
  #startTime(): number {
    const now = this.pickTime[0] as number;
    if (!Number.isNaN(now)) {
      this.pickTime[0] = Number.NaN;
      return now;
    }
    return this.#clock.now();
  }

  #trackOrUndo(l: PooledLease<E>, pos: number): void {
    try {
      this.#track(l);
    } catch (err) {
      // The clock's setTimeout threw: take the lease back, so the count does not leak.
      if (l.slot >= 0) this.#untrack(l);
      l.pos = -1;
      this.#active[pos] = (this.#active[pos] as number) - 1;
      throw err;
    }
  }

  /**
   * Ends `l` with `outcome` (see core's `Outcome`: no `ok` means no outcome). A bad `latencyMs` is reported
   * after the lease is released (as if it were omitted), so counters never leak.
   */
  releasePlain(l: PooledLease<E>, outcome: Outcome | undefined): void {
    // Start times wanted since this lease was issued (an outcome listener came): the full path.
    if (this.needStart) {
      this.releaseTimed(l, outcome, false);
      return;
    }
    const result = outcome == null ? NO_OUTCOME : resultOf(outcome);
    const pos = l.pos;
    l.pos = -1;
    // Removed positions have uid 0 (never an instance number), so a stale position fails this check too.
    if (this.#uid[pos] !== l.uid) this.#releaseMoved(l, pos, result, outcome);
    else ended(this.#active, this.#tally, pos, result);
    if (this.#spare === undefined && this.#pooled) this.#spare = l;
    else this.#stash(l, this.#free);
    if (outcome != null && outcome.latencyMs !== undefined) checkLatency(outcome.latencyMs);
  }

  /**
   * Ends a lease with a start time: latency sampled, histogram, latency-aware strategy and `outcome` event.
   * `recycle` is false for a plain lease issued before start times were wanted (it is dropped, not pooled).
   */
  releaseTimed(l: PooledLease<E>, outcome: Outcome | undefined, recycle: boolean): void {
    const result = outcome == null ? NO_OUTCOME : resultOf(outcome);
    const pos = l.pos;
    l.pos = -1;
    if (l.slot >= 0 || this.#uid[pos] !== l.uid) this.#releaseMoved(l, pos, result, outcome);
    else {
      ended(this.#active, this.#tally, pos, result);
      this.#settle(l, pos, result, outcome);
    }
    if (this.#timedSpare === undefined && this.#pooled && recycle) this.#timedSpare = l;
    else if (recycle) this.#stash(l, this.#timedFree);
    if (outcome != null && outcome.latencyMs !== undefined) checkLatency(outcome.latencyMs);
  }

  /** A second released lease object waits in a free list (pooled leases only). */
  #stash(l: PooledLease<E>, free: PooledLease<E>[]): void {
    if (this.#pooled) free.push(l);
  }

  /** The latency of `l` ending now into `sample`: the reported `latencyMs` if usable, else the time since the pick. */
  #sample(l: PooledLease<E>, outcome: Outcome | undefined): void {
    const sample = this.sample;
    const ms = outcome == null ? undefined : outcome.latencyMs;
    if (ms !== undefined && validLatency(ms)) {
      sample[0] = ms;
      sample[1] = l.startMs + ms;
    } else {
      const now = this.#clock.now();
      sample[0] = now - l.startMs;
      sample[1] = now;
    }
  }

  /** A lease on `pos` ended and its latency is wanted: sample it, record it, tell the sink. */
  #settle(l: PooledLease<E>, pos: number, result: number, outcome: Outcome | undefined): void {
    this.#sample(l, outcome);
    if (this.#histograms) this.#countMore(pos, result, false);
    this.#sink.settle(pos, result);
  }

  /** {@link LeaseBook.release} of a timed lease, or one whose endpoint moved or left. */
  #releaseMoved(l: PooledLease<E>, pos: number, result: number, outcome: Outcome | undefined): void {
    if (l.slot >= 0) this.#untrack(l);
    if (this.#uid[pos] !== l.uid) pos = this.#relocate(l);
    if (this.needStart) this.#sample(l, outcome);
    this.#count(pos, result, false);
  }

  /** Counts a settled lease on `pos` (or on a removed endpoint when `pos < 0`), its latency in `sample`. */
  #count(pos: number, result: number, timedOut: boolean): void {
    if (pos < 0) {
      this.#counts.settleRetired(result, timedOut, this.sample[0] as number);
      return;
    }
    const active = this.#active;
    if ((active[pos] as number) > 0) active[pos] = (active[pos] as number) - 1;
    const tally = this.#tally;
    const i = pos * STRIDE + 1 - result;
    tally[i] = (tally[i] as number) + 1;
    if (timedOut || this.#histograms) this.#countMore(pos, result, timedOut);
    if (this.needStart) this.#sink.settle(pos, result);
  }

  /** The rarer counts of a settled lease: a timeout, a latency histogram. */
  #countMore(pos: number, result: number, timedOut: boolean): void {
    if (timedOut) this.#tally[pos * STRIDE + TIMEOUTS] = (this.#tally[pos * STRIDE + TIMEOUTS] as number) + 1;
    const h = this.#counts.histograms;
    if (h !== undefined && result !== NO_OUTCOME) (h[pos] as Histogram).record(this.sample[0] as number);
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
        if (t.uid[pos] !== l.uid) pos = this.#relocate(l);
        this.sample[0] = age;
        this.sample[1] = now;
        this.#count(pos, FAILED, true);
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

/** A lease on `pos` ended with `result` (its endpoint still there): one active less, one settled lease counted. */
function ended(active: Int32Array, tally: Float64Array, pos: number, result: number): void {
  active[pos] = (active[pos] as number) - 1;
  const i = pos * STRIDE + 1 - result;
  tally[i] = (tally[i] as number) + 1;
}

/** OK, FAILED or NO_OUTCOME for a given outcome object. */
function resultOf(outcome: Outcome): number {
  const ok = outcome.ok;
  return ok === true ? OK : ok === false ? FAILED : NO_OUTCOME;
}

/** Throws about a bad `latencyMs` (after the release). */
function checkLatency(ms: unknown): void {
  if (!validLatency(ms)) badLatency(ms);
}

/** A usable `latencyMs`: a finite number ≥ 0. */
function validLatency(ms: unknown): boolean {
  return typeof ms === 'number' && ms >= 0 && ms < Number.POSITIVE_INFINITY;
}

function badLatency(bad: unknown): never {
  const msg = `Expected \`latencyMs\` to be a finite number >= 0, got ${describeValue(bad)} (the lease was released)`;
  throw typeof bad === 'number' ? new RangeError(msg) : new TypeError(msg);
}
