import { Histogram } from '@scaling/core';
import { type Columns, grown } from './_columns.js';

/** Slots per position in {@link EndpointCounters.counts}: successes, failures, no outcome, timeouts. */
export const STRIDE = 4;
/** Offsets in a position's slots (`counts[pos * STRIDE + …]`); a settled lease's slot is `1 − result`. */
export const SUCCESSES = 0;
/** See {@link SUCCESSES}. */
export const FAILURES = 1;
/** See {@link SUCCESSES}. */
export const NO_OUTCOMES = 2;
/** See {@link SUCCESSES}: reclaimed leases (also counted as failures). */
export const TIMEOUTS = 3;

/** Totals over the endpoints that were removed (their counters live on here, so the totals stay monotonic). */
export interface RetiredTotals {
  picks: number;
  successes: number;
  failures: number;
  noOutcome: number;
  timeouts: number;
  /** Leases still outstanding on removed endpoints. */
  active: number;
}

/**
 * What `stats()` counts per endpoint, kept in step with the endpoint table: settled leases by how they
 * ended, in one `Float64Array` of {@link STRIDE} slots per position — one increment per release, none per
 * pick (an endpoint's picks are its settled leases plus its active ones) — and, when enabled, a latency
 * histogram per position.
 */
export class EndpointCounters implements Columns {
  counts = new Float64Array(0);
  /** Per-position latency histograms (ms), when `latencyHistogram` is on. */
  readonly histograms: Histogram[] | undefined;
  /** Removed endpoints' totals. */
  readonly retired: RetiredTotals = { picks: 0, successes: 0, failures: 0, noOutcome: 0, timeouts: 0, active: 0 };
  /** Removed endpoints' latencies merged (when histograms are on). */
  readonly retiredDuration: Histogram | undefined;

  constructor(histograms: boolean) {
    this.histograms = histograms ? [] : undefined;
    this.retiredDuration = histograms ? new Histogram() : undefined;
  }

  grow(capacity: number): void {
    this.counts = grown(this.counts, capacity * STRIDE);
  }

  reset(pos: number): void {
    this.counts.fill(0, pos * STRIDE, pos * STRIDE + STRIDE);
    if (this.histograms !== undefined) this.histograms[pos] = new Histogram();
  }

  move(from: number, to: number): void {
    this.counts.copyWithin(to * STRIDE, from * STRIDE, from * STRIDE + STRIDE);
    if (this.histograms !== undefined) this.histograms[to] = this.histograms[from] as Histogram;
  }

  /** The endpoint at `pos`, with `active` leases outstanding, is being removed: fold its counters into the totals. */
  retire(pos: number, active: number): void {
    const c = this.counts;
    const i = pos * STRIDE;
    const r = this.retired;
    const s = c[i + SUCCESSES] as number;
    const f = c[i + FAILURES] as number;
    const o = c[i + NO_OUTCOMES] as number;
    r.picks += s + f + o + active;
    r.successes += s;
    r.failures += f;
    r.noOutcome += o;
    r.timeouts += c[i + TIMEOUTS] as number;
    r.active += active;
    if (this.histograms !== undefined) (this.retiredDuration as Histogram).merge(this.histograms[pos] as Histogram);
  }

  /** A lease on a removed endpoint ended with `result` (1 − slot); `timedOut` when reclaimed. */
  settleRetired(result: number, timedOut: boolean, latencyMs: number): void {
    const r = this.retired;
    r.active--;
    if (result === 1) r.successes++;
    else if (result === 0) r.failures++;
    else r.noOutcome++;
    if (timedOut) r.timeouts++;
    if (this.retiredDuration !== undefined && result !== -1) this.retiredDuration.record(latencyMs);
  }
}
