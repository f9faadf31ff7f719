import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { ShedReason } from './errors.js';

/** Events of a {@link ConcurrencyLimiter} (`scaling:rate-limit:<event>` on `node:diagnostics_channel`). */
export interface ConcurrencyLimiterEvents {
  [event: string]: object;
  /** The adaptive limit changed. */
  'limit-changed': {
    /** The new concurrency limit (requests in flight). */
    limit: number;
    /** The limit before this change. */
    previous: number;
  };
  /** A request was shed. */
  shed: {
    /** Name of the partition the shed request belonged to. */
    partition: string;
    /** Why it was shed. */
    reason: ShedReason;
  };
}

/** Counters and gauges from {@link ConcurrencyLimiter.stats}. */
export interface ConcurrencyLimiterStats {
  /** The current limit. */
  limit: number;
  /** Requests holding a slot. */
  inflight: number;
  /** Requests waiting for a slot. */
  queued: number;
  /** Requests admitted so far. */
  admitted: number;
  /** Leases released so far: `admitted = completed + inflight`. */
  completed: number;
  /** Waiters whose signal aborted before they got a slot. */
  abandoned: number;
  /** Requests shed so far, by reason. */
  shed: Record<ShedReason, number>;
  /** Whether the queue is in CoDel overload mode (deadline `queueTargetMs`). */
  overloaded: boolean;
  /** Per partition: its share of the limit, in flight and queued. */
  partitions: Record<
    string,
    {
      /** The partition's guaranteed slots now: its share × the current limit, rounded up (at least 1). */
      limit: number;
      /** The partition's requests in flight. */
      inflight: number;
      /** The partition's requests waiting in the queue. */
      queued: number;
    }
  >;
}
