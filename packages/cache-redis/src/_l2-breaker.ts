import type { Clock } from '@scaling/core';

/** State of the L2 circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * The breaker interface the tier uses around L2. Kept this small so the minimal implementation below can be
 * swapped for `@scaling/resilience`'s breaker once that package lands.
 */
export interface L2Breaker {
  /** Whether an L2 call may start now (a half-open breaker lets exactly one probe through). */
  allow(): boolean;
  /** The call that `allow()` let through succeeded. */
  success(): void;
  /** The call that `allow()` let through failed (error or timeout). */
  failure(): void;
  /** Current state (a getter: never changes state). */
  readonly state: BreakerState;
}

/**
 * A minimal consecutive-failures breaker (after cockatiel's `ConsecutiveBreaker`): opens after `threshold`
 * failures in a row, stays open `openMs`, then lets one probe through (half-open); the probe's success
 * closes it, its failure re-opens it for another `openMs`. Internal until `@scaling/resilience` lands.
 */
export class ConsecutiveL2Breaker implements L2Breaker {
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #clock: Clock;
  readonly #onChange: (state: BreakerState) => void;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(threshold: number, openMs: number, clock: Clock, onChange: (state: BreakerState) => void) {
    this.#threshold = threshold;
    this.#openMs = openMs;
    this.#clock = clock;
    this.#onChange = onChange;
  }

  get state(): BreakerState {
    return this.#state;
  }

  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (this.#clock.now() - this.#openedAt < this.#openMs) return false;
      this.#set('half-open');
    }
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#state !== 'closed') this.#set('closed');
  }

  failure(): void {
    this.#probing = false;
    if (this.#state === 'half-open' || (this.#state === 'closed' && ++this.#failures >= this.#threshold)) {
      this.#openedAt = this.#clock.now();
      this.#failures = 0;
      this.#set('open');
    } else if (this.#state === 'open') {
      this.#openedAt = this.#clock.now();
    }
  }

  #set(state: BreakerState): void {
    this.#state = state;
    this.#onChange(state);
  }
}
