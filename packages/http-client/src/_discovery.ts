// Endpoint discovery of a balanced dispatcher: the `discover` callback called at construction and then every
// `discoverIntervalMs` (or after the answer's `ttlMs`, at least 1 s); a good answer replaces the endpoint
// list, a rejection or an invalid answer keeps the last good one and is reported (`discoveryError`).
import type { Emitter } from '@scaling/core/internal';
import type { Counters } from './_shared.js';
import type { BalancedDispatcherEvents, DiscoveryAnswer, HttpEndpointInput } from './types.js';

/** The discovery loop of one dispatcher. */
export class Discovery {
  readonly #discover: () => DiscoveryAnswer | Promise<DiscoveryAnswer>;
  readonly #interval: number;
  readonly #apply: (list: readonly HttpEndpointInput[]) => void;
  readonly #counters: Counters;
  readonly #events: Emitter<BalancedDispatcherEvents>;
  #nextMs: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #error: unknown;
  #stopped = false;
  /** The first discovery call while it runs: requests with no endpoint yet wait for it. */
  first: Promise<void> | undefined;

  /**
   * @param discover - the validated callback.
   * @param interval - ms between calls when the answer carries no `ttlMs`.
   * @param apply - replaces the endpoint list (throws on an invalid list, which then counts as a failed call).
   */
  constructor(
    discover: () => DiscoveryAnswer | Promise<DiscoveryAnswer>,
    interval: number,
    apply: (list: readonly HttpEndpointInput[]) => void,
    counters: Counters,
    events: Emitter<BalancedDispatcherEvents>,
  ) {
    this.#discover = discover;
    this.#interval = interval;
    this.#apply = apply;
    this.#counters = counters;
    this.#events = events;
  }

  /** Makes the first call and schedules the next ones, each after the previous one ended. */
  start(): void {
    const tick = (): Promise<void> =>
      this.refresh().finally(() => {
        if (this.#stopped) return;
        this.#timer = setTimeout(tick, this.#nextMs ?? this.#interval);
        this.#timer.unref?.();
      });
    const first = tick();
    this.first = first;
    void first.finally(() => {
      this.first = undefined;
    });
  }

  /** When the callback runs next, ms after its last answer: its `ttlMs` (≥ 1 000) or the interval. */
  get refreshMs(): number {
    return this.#nextMs ?? this.#interval;
  }

  /** The last error of the callback, or `undefined` when its last call succeeded. */
  get error(): unknown {
    return this.#error;
  }

  /** Calls the callback now and applies its answer; on error keeps the current list. Resolves when done. */
  async refresh(): Promise<void> {
    if (this.#stopped) return;
    try {
      const answer = await this.#discover();
      if (this.#stopped) return;
      const list = Array.isArray(answer) ? answer : (answer as { endpoints?: unknown }).endpoints;
      const ttlMs = Array.isArray(answer) ? undefined : (answer as { ttlMs?: unknown }).ttlMs;
      this.#apply(list as readonly HttpEndpointInput[]);
      this.#nextMs = typeof ttlMs === 'number' && Number.isFinite(ttlMs) ? Math.max(1_000, ttlMs) : undefined;
      this.#error = undefined;
    } catch (error) {
      this.#error = error;
      this.#counters.discoveryErrors++;
      this.#events.emit('discoveryError', { error });
    }
  }

  /** Stops the loop: no further call, an answer still awaited is dropped. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}
