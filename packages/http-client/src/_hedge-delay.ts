// The hedging delay of a balanced dispatcher: fixed, or a quantile of recent winning attempts' time to headers.
const SAMPLES = 512;
const RECOMPUTE_EVERY = 32;

/**
 * The hedging delay of a dispatcher: fixed, or a quantile of the time to response headers of recent winning
 * attempts (a ring of the last 512, recomputed every 32 samples once `minSamples` are seen) — the logic of
 * `@scaling/resilience`'s `hedge()` policy, applied per attempt inside a dispatcher.
 */
export class HedgeDelay {
  /** The delay in effect, ms. */
  delayMs: number;
  readonly #quantile: number;
  readonly #minSamples: number;
  readonly #samples: Float64Array | undefined;
  #count = 0;

  constructor(delayMs: number, quantile = 0, minSamples = 0) {
    this.delayMs = delayMs;
    this.#quantile = quantile;
    this.#minSamples = minSamples;
    this.#samples = quantile > 0 ? new Float64Array(SAMPLES) : undefined;
  }

  /** Records the time to headers of a winning attempt (no-op for a fixed delay). */
  record(latencyMs: number): void {
    const samples = this.#samples;
    if (samples === undefined) return;
    samples[this.#count % SAMPLES] = latencyMs;
    this.#count++;
    if (this.#count >= this.#minSamples && this.#count % RECOMPUTE_EVERY === 0) {
      const n = Math.min(this.#count, SAMPLES);
      const sorted = samples.slice(0, n).sort();
      this.delayMs = sorted[Math.min(n - 1, Math.floor(this.#quantile * n))] as number;
    }
  }
}
