import type { Clock } from '@scaling/core';
import type { AdaptiveLimit, AimdLimit, Gradient2Limit, WindowedLimit } from './adaptive-limits.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /**
   * The limit algorithm: `'gradient2'` (default: {@link Gradient2Limit} with Netflix's defaults, fed one
   * averaged sample per window of 100 ms – 1 s by a {@link WindowedLimit}), `'aimd'` ({@link AimdLimit}, per
   * sample), a fixed number, or an {@link AdaptiveLimit} instance (e.g. `new Gradient2Limit({ maxLimit: 500 })`).
   */
  limit?: 'gradient2' | 'aimd' | number | AdaptiveLimit;
  /**
   * Priority partitions: name → guaranteed share of the limit in (0, 1], listed from the highest priority to the
   * lowest (e.g. `{ live: 0.9, batch: 0.1 }`). A partition under its share is admitted even when the limit is
   * reached (Netflix's partitioned limiter); queued requests are served highest partition first. Default: one
   * partition `"default"` with the whole limit.
   */
  partitions?: Readonly<Record<string, number>>;
  /** Requests that may wait for a slot (default 1000; 0 = reject at once when the limit is reached). */
  maxQueued?: number;
  /**
   * CoDel-style queue deadline ("Fail at Scale", Facebook 2015): a request waits at most `queueIntervalMs`
   * while the queue has emptied within the last `queueIntervalMs`, and at most `queueTargetMs` once it has not
   * (standing queue: overload). Defaults 5 and 100.
   */
  queueTargetMs?: number;
  /** See `queueTargetMs` (default 100). */
  queueIntervalMs?: number;
  /** Time source and timers (default `systemClock`). */
  clock?: Clock;
}

/** Options of {@link ConcurrencyLimiter.acquire}. */
export interface AcquireOptions {
  /** The partition (priority class) of the request (default: the first partition). */
  partition?: string;
  /** Gives up waiting when aborted (rejecting with the signal's reason). */
  signal?: AbortSignal;
}
