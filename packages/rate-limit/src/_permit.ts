import type { Lease, Outcome } from '@scaling/core';

/** A priority partition of a {@link ConcurrencyLimiter}: its share, its requests in flight and its FIFO queue. */
export class Partition {
  readonly name: string;
  readonly share: number;
  inflight = 0;
  readonly queue: Waiter[] = [];
  head = 0;
  constructor(name: string, share: number) {
    this.name = name;
    this.share = share;
  }
  get queued(): number {
    return this.queue.length - this.head;
  }
}

/** A request queued for a slot. */
export class Waiter {
  readonly partition: Partition;
  readonly enqueuedAt: number;
  resolve: ((lease: Lease) => void) | undefined;
  readonly reject: (e: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  constructor(
    partition: Partition,
    at: number,
    resolve: (lease: Lease) => void,
    reject: (e: unknown) => void,
    signal: AbortSignal | undefined,
  ) {
    this.partition = partition;
    this.enqueuedAt = at;
    this.resolve = resolve;
    this.reject = reject;
    this.signal = signal;
  }
}

/** How a permit hands itself back to its limiter. */
export type ReleaseFn = (permit: Permit, outcome: Outcome | undefined) => void;

/** A granted slot: the lease handed to the caller, released at most once. */
export class Permit implements Lease {
  readonly #owner: ReleaseFn;
  readonly partition: Partition;
  readonly start: number;
  readonly inflight: number;
  #released = false;
  constructor(owner: ReleaseFn, partition: Partition, start: number, inflight: number) {
    this.#owner = owner;
    this.partition = partition;
    this.start = start;
    this.inflight = inflight;
  }
  release(outcome?: Outcome): void {
    if (this.#released) return;
    this.#released = true;
    this.#owner(this, outcome);
  }
}
