/**
 * What the gateway measures itself while it runs: client-visible responses, which upstreams are in rotation, a
 * timeline. Per-upstream attempts, retries, cache and queue figures come from the primitives' `stats()`
 * snapshots ({@link GatewaySnapshot}); the timeline takes their differences bucket by bucket.
 */
import type { GatewaySnapshot } from './gateway.js';

/** Whether an upstream is in rotation, as the dispatcher's `ejected`/`returned` events tell. */
export interface UpstreamHealth {
  readonly id: string;
  /** Times this upstream left rotation (active check or outlier detection, whichever came first). */
  ejections: number;
  /** Whether the dispatcher currently sends traffic to it. */
  healthy: boolean;
}

/** One timeline bucket (`bucketMs` wide). */
export interface TimelinePoint {
  /** Seconds since the load run started. */
  t: number;
  /** Attempts per upstream in this bucket, scaled to requests/s. */
  perUpstream: Record<string, number>;
  /** Gateway responses/s in this bucket. */
  rps: number;
  /** Client-visible errors (5xx from the gateway) in this bucket. */
  errors: number;
  p50: number;
  p99: number;
  /** Cache hit ratio in this bucket (0..1), NaN when there were no lookups. */
  hitRatio: number;
  /** Orders waiting in the queue at the end of the bucket. */
  queueDepth: number;
  /** Orders rejected with 429 in this bucket. */
  rejections: number;
  /** Upstreams in rotation at the end of the bucket. */
  healthy: number;
}

/** A marker on the timeline ("u3 killed"). */
export interface TimelineEvent {
  t: number;
  label: string;
}

/** Everything the gateway measured. */
export class GatewayMetrics {
  readonly upstreams = new Map<string, UpstreamHealth>();
  /** Responses the gateway sent, by status code. */
  readonly statusCounts = new Map<number, number>();
  /** Gateway response latencies (whole request, including retries), ms. */
  readonly latencies: number[] = [];
  responses = 0;
  /** 5xx responses sent to clients. */
  clientErrors = 0;
  /** The deepest the order queue was when an order was accepted. */
  maxQueueDepth = 0;
  readonly timeline: TimelinePoint[] = [];
  readonly events: TimelineEvent[] = [];

  // Bucket accumulators.
  #bucketLatencies: number[] = [];
  #bucketErrors = 0;
  #bucketRejections = 0;
  /** The previous bucket's snapshot figures: attempts per upstream id, cache hits and lookups. */
  #last = { attempts: new Map<string, number>(), hits: 0, lookups: 0 };
  #startedAt = performance.now();

  constructor(ids: readonly string[]) {
    for (const id of ids) {
      this.upstreams.set(id, { id, ejections: 0, healthy: true });
      this.#last.attempts.set(id, 0);
    }
  }

  /** Restarts the clock that timeline points and events are measured against. */
  startTimeline(): void {
    this.#startedAt = performance.now();
  }

  /** Seconds since {@link startTimeline}. */
  elapsed(): number {
    return (performance.now() - this.#startedAt) / 1000;
  }

  response(status: number, latencyMs: number): void {
    this.responses++;
    this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
    this.latencies.push(latencyMs);
    this.#bucketLatencies.push(latencyMs);
    if (status >= 500) {
      this.clientErrors++;
      this.#bucketErrors++;
    }
    if (status === 429) this.#bucketRejections++;
  }

  ejected(id: string): void {
    const u = this.upstreams.get(id);
    if (!u) return;
    if (u.healthy) u.ejections++;
    u.healthy = false;
  }

  restored(id: string): void {
    const u = this.upstreams.get(id);
    if (u) u.healthy = true;
  }

  event(label: string): void {
    this.events.push({ t: round(this.elapsed(), 2), label });
  }

  /**
   * Closes the current timeline bucket: attempts per upstream and the cache hit ratio are the differences of
   * the primitives' counters since the previous bucket (`snap`; `origins` maps upstream ids to the
   * dispatcher's endpoint keys).
   */
  sample(bucketMs: number, snap: GatewaySnapshot, origins: ReadonlyMap<string, string>): TimelinePoint {
    const perSecond = 1000 / bucketMs;
    const perUpstream: Record<string, number> = {};
    let healthy = 0;
    for (const [id, before] of this.#last.attempts) {
      const now = attemptsOf(snap, id, origins.get(id) ?? id);
      perUpstream[id] = (now - before) * perSecond;
      this.#last.attempts.set(id, now);
      if (this.upstreams.get(id)?.healthy) healthy++;
    }
    const lookups = snap.cache.lookups - this.#last.lookups;
    const hits = snap.cache.hits - this.#last.hits;
    this.#last.lookups = snap.cache.lookups;
    this.#last.hits = snap.cache.hits;
    const sorted = this.#bucketLatencies.sort((a, b) => a - b);
    const point: TimelinePoint = {
      t: round(this.elapsed(), 2),
      perUpstream,
      rps: sorted.length * perSecond,
      errors: this.#bucketErrors,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      hitRatio: lookups === 0 ? Number.NaN : hits / lookups,
      queueDepth: snap.queue.size,
      rejections: this.#bucketRejections,
      healthy,
    };
    this.timeline.push(point);
    this.#bucketLatencies = [];
    this.#bucketErrors = 0;
    this.#bucketRejections = 0;
    return point;
  }
}

/** Attempts sent to upstream `id` so far: through the dispatcher (keyed by `origin`) and the /users route. */
export function attemptsOf(snap: GatewaySnapshot, id: string, origin: string): number {
  return (snap.upstreams.endpoints[origin]?.requests ?? 0) + (snap.owners.endpoints[id]?.requests ?? 0);
}

/** The `q` quantile of an ascending array (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
