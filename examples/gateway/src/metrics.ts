/** What the gateway counts while it runs: per-upstream attempts and latencies, client-visible outcomes, a timeline. */

/** Counters for one upstream, as seen from the gateway. */
export interface UpstreamStats {
  readonly id: string;
  /** Attempts sent to this upstream (including ones that failed and were retried elsewhere). */
  requests: number;
  /** Attempts that failed (connection error, timeout or 5xx). */
  errors: number;
  /** Times this upstream was taken out of rotation (active check or outlier detection). */
  ejections: number;
  /** Whether the balancer currently sends traffic to it. */
  healthy: boolean;
  /** Latency of every successful attempt, ms. */
  readonly latencies: number[];
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
  readonly upstreams = new Map<string, UpstreamStats>();
  /** Responses the gateway sent, by status code. */
  readonly statusCounts = new Map<number, number>();
  /** Gateway response latencies (whole request, including retries), ms. */
  readonly latencies: number[] = [];
  responses = 0;
  /** 5xx responses sent to clients. */
  clientErrors = 0;
  /** Attempts that were retried on another upstream. */
  retries = 0;
  /** Requests that succeeded only because of a retry. */
  rescued = 0;
  ordersAccepted = 0;
  ordersRejected = 0;
  ordersProcessed = 0;
  ordersFailed = 0;
  maxQueueDepth = 0;
  readonly timeline: TimelinePoint[] = [];
  readonly events: TimelineEvent[] = [];

  // Bucket accumulators.
  #bucketLatencies: number[] = [];
  #bucketErrors = 0;
  #bucketRejections = 0;
  #bucketAttempts = new Map<string, number>();
  #bucketHits = 0;
  #bucketLookups = 0;
  #startedAt = performance.now();

  constructor(ids: readonly string[]) {
    for (const id of ids) {
      this.upstreams.set(id, { id, requests: 0, errors: 0, ejections: 0, healthy: true, latencies: [] });
      this.#bucketAttempts.set(id, 0);
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

  attempt(id: string, ok: boolean, latencyMs: number): void {
    const u = this.upstreams.get(id);
    if (!u) return;
    u.requests++;
    this.#bucketAttempts.set(id, (this.#bucketAttempts.get(id) ?? 0) + 1);
    if (ok) u.latencies.push(latencyMs);
    else u.errors++;
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

  cacheLookup(hit: boolean): void {
    this.#bucketLookups++;
    if (hit) this.#bucketHits++;
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

  /** Closes the current timeline bucket. */
  sample(bucketMs: number, queueDepth: number): TimelinePoint {
    const perSecond = 1000 / bucketMs;
    const perUpstream: Record<string, number> = {};
    let healthy = 0;
    for (const [id, n] of this.#bucketAttempts) {
      perUpstream[id] = n * perSecond;
      this.#bucketAttempts.set(id, 0);
      if (this.upstreams.get(id)?.healthy) healthy++;
    }
    const sorted = this.#bucketLatencies.sort((a, b) => a - b);
    const point: TimelinePoint = {
      t: round(this.elapsed(), 2),
      perUpstream,
      rps: sorted.length * perSecond,
      errors: this.#bucketErrors,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      hitRatio: this.#bucketLookups === 0 ? Number.NaN : this.#bucketHits / this.#bucketLookups,
      queueDepth,
      rejections: this.#bucketRejections,
      healthy,
    };
    this.timeline.push(point);
    this.#bucketLatencies = [];
    this.#bucketErrors = 0;
    this.#bucketRejections = 0;
    this.#bucketHits = 0;
    this.#bucketLookups = 0;
    return point;
  }
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
