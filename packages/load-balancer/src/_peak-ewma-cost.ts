import { type Columns, grown } from './_columns.js';
import type { OutcomeObserver } from './_core.js';
import type { EndpointTable } from './_endpoint-table.js';
import { NO_OUTCOME, OK } from './_leases.js';
import type { Endpoint } from './types.js';

/**
 * Peak EWMA's per-endpoint state and update rule (Finagle `PeakEwma`): a latency sample above the cost
 * replaces it at once; a lower one blends in with weight `1 − e^(−Δt/τ)`. Failures count as at least
 * `failurePenaltyMs`; a release without an outcome changes nothing.
 */
export class PeakEwmaCost<E extends Endpoint> implements Columns, OutcomeObserver {
  /** Latency cost (ms) and the time of its last update, per position. */
  cost = new Float64Array(0);
  stamp = new Float64Array(0);
  /** 1 once the endpoint has a sample. */
  sampled = new Uint8Array(0);
  readonly #decayMs: number;
  readonly #failurePenaltyMs: number;
  readonly #sample: Float64Array;

  constructor(table: EndpointTable<E>, sample: Float64Array, decayMs: number, failurePenaltyMs: number) {
    this.#sample = sample;
    this.#decayMs = decayMs;
    this.#failurePenaltyMs = failurePenaltyMs;
    table.attach(this);
  }

  grow(capacity: number): void {
    this.cost = grown(this.cost, capacity);
    this.stamp = grown(this.stamp, capacity);
    this.sampled = grown(this.sampled, capacity);
  }

  reset(pos: number): void {
    this.cost[pos] = 0;
    this.stamp[pos] = 0;
    this.sampled[pos] = 0;
  }

  move(from: number, to: number): void {
    this.cost[to] = this.cost[from] as number;
    this.stamp[to] = this.stamp[from] as number;
    this.sampled[to] = this.sampled[from] as number;
  }

  observe(pos: number, result: number): void {
    if (result === NO_OUTCOME) return;
    const latencyMs = this.#sample[0] as number;
    const at = this.#sample[1] as number;
    const rtt = result === OK ? latencyMs : Math.max(latencyMs, this.#failurePenaltyMs);
    if (this.sampled[pos] === 0) {
      this.sampled[pos] = 1;
      this.cost[pos] = rtt;
      this.stamp[pos] = at;
      return;
    }
    const cost = this.cost[pos] as number;
    const dt = at - (this.stamp[pos] as number);
    if (rtt > cost) this.cost[pos] = rtt;
    else {
      const w = dt > 0 ? Math.exp(-dt / this.#decayMs) : 1;
      this.cost[pos] = cost * w + rtt * (1 - w);
    }
    // Completions can arrive out of order; the stamp only moves forward.
    if (dt > 0) this.stamp[pos] = at;
  }
}
