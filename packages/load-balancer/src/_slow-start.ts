import type { Clock } from '@scaling/core';
import { type Columns, grown } from './_columns.js';
import type { EndpointTable } from './_endpoint-table.js';
import type { Endpoint } from './types.js';

/**
 * Envoy's slow start: an endpoint added later, or turning healthy again, has its effective weight ramped from
 * `weight × max(minWeightPercent, (max(t, 1 ms) / window)^(1 / aggression))` up to its full weight over
 * `windowMs`. Every strategy reads the effective weight (or, for the unweighted ones, the ramp factor
 * `eff / weight`), so the ramp applies to all of them. Effective weights refresh at most 64 times per window.
 */
export class SlowStart<E extends Endpoint> implements Columns {
  /** Ramp start time per position, NaN when not ramping. */
  start = new Float64Array(0);
  /** Endpoints ramping now (mirrored in the table's `ramping`, which its steady flags read). */
  get ramping(): number {
    return this.#table.ramping;
  }
  readonly #table: EndpointTable<E>;
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #invAggression: number;
  readonly #minFactor: number;
  readonly #refreshEvery: number;
  #nextRefresh = 0;

  constructor(table: EndpointTable<E>, clock: Clock, o: { windowMs: number; invAggression: number; minFactor: number }) {
    this.#table = table;
    this.#clock = clock;
    this.#windowMs = o.windowMs;
    this.#invAggression = o.invAggression;
    this.#minFactor = o.minFactor;
    this.#refreshEvery = o.windowMs / 64;
    table.attach(this);
  }

  grow(capacity: number): void {
    this.start = grown(this.start, capacity);
  }

  reset(pos: number): void {
    this.start[pos] = Number.NaN;
  }

  move(from: number, to: number): void {
    this.start[to] = this.start[from] as number;
    this.start[from] = Number.NaN;
  }

  /** The endpoint at `pos` leaves the table: forget its ramp (before the table moves another into its place). */
  forget(pos: number): void {
    if (!Number.isNaN(this.start[pos] as number)) this.#table.ramping--;
    this.start[pos] = Number.NaN;
  }

  /** Starts (or restarts) the ramp of the endpoint at `pos`. */
  begin(pos: number): void {
    if (Number.isNaN(this.start[pos] as number)) this.#table.ramping++;
    const now = this.#clock.now();
    this.start[pos] = now;
    this.#table.eff[pos] = (this.#table.weight[pos] as number) * this.#factor(0);
    this.#nextRefresh = now;
  }

  #factor(t: number): number {
    const f = (Math.max(t, 1) / this.#windowMs) ** this.#invAggression;
    return Math.max(f, this.#minFactor);
  }

  /** Refreshes effective weights if due; returns true when it changed them (the table's version is bumped). */
  refresh(): boolean {
    const now = this.#clock.now();
    if (now < this.#nextRefresh) return false;
    this.#nextRefresh = now + this.#refreshEvery;
    const t = this.#table;
    for (let p = 0; p < t.n; p++) {
      const s = this.start[p] as number;
      if (Number.isNaN(s)) continue;
      const age = now - s;
      if (age >= this.#windowMs) {
        this.start[p] = Number.NaN;
        t.eff[p] = t.weight[p] as number;
        t.ramping--;
      } else t.eff[p] = (t.weight[p] as number) * this.#factor(age);
    }
    t.version++;
    t.checkWeights();
    return true;
  }
}
