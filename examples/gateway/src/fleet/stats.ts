/**
 * The ONE place the fleet demo reads the packages' `stats()` snapshots, in the conventional shapes
 * (docs/monitoring/conventions.md): counters and gauges at the top level, per-member breakdowns under
 * `endpoints` / `replicas`, `…Duration` histograms. The driver gets them from each process's `/stats` as
 * JSON, so every reader takes `unknown` and treats a missing field as 0; the processes' `/metrics` export
 * the very same objects through `@scaling/prometheus`.
 */
import type { BalancedDispatcherStats } from '@scaling/http-client';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `s[name]` when it is a finite number, else 0. */
export function num(s: unknown, name: string): number {
  const v = isObj(s) ? s[name] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Per-endpoint counters of an http-client dispatcher (`stats().endpoints[id]`). */
export interface EndpointCounts {
  requests: number;
  failures: number;
  retries: number;
  ejections: number;
}

/** The `endpoints` member collection of an http-client dispatcher's `stats()`. */
export function dispatcherEndpoints(s: unknown): Record<string, EndpointCounts> {
  const out: Record<string, EndpointCounts> = {};
  if (!isObj(s) || !isObj(s.endpoints)) return out;
  for (const [id, m] of Object.entries(s.endpoints))
    out[id] = { requests: num(m, 'requests'), failures: num(m, 'failures'), retries: num(m, 'retries'), ejections: num(m, 'ejections') };
  return out;
}

/** What the demo reads of a `TieredCache`'s `stats()`. */
export interface TierCounts {
  l1: number;
  l2: number;
  misses: number;
  loads: number;
  staleServes: number;
  busReconnects: number;
  l2Errors: number;
  busConnected: boolean;
  breakerState: string;
}

export function tierCounts(s: unknown): TierCounts {
  const o = isObj(s) ? s : {};
  return {
    l1: num(o, 'l1Hits'),
    l2: num(o, 'l2Hits'),
    misses: num(o, 'misses'),
    loads: num(o, 'loads'),
    staleServes: num(o, 'staleServes'),
    busReconnects: num(o, 'busReconnects'),
    l2Errors: num(o, 'l2Errors'),
    busConnected: o.busConnected !== false,
    breakerState: typeof o.breakerState === 'string' ? o.breakerState : 'closed',
  };
}

/** Reads routed by a `ReplicatedPool` (`primary`, `replicaReads`, `retries` counters). */
export function dbReads(s: unknown): { primary: number; replicas: number; retries: number } {
  return { primary: num(s, 'primary'), replicas: num(s, 'replicaReads'), retries: num(s, 'retries') };
}

/** Job counters of a `JobQueue`. */
export function jobCounts(s: unknown): {
  enqueued: number;
  duplicates: number;
  completed: number;
  retried: number;
  deadLettered: number;
  running: number;
} {
  return {
    enqueued: num(s, 'enqueued'),
    duplicates: num(s, 'duplicates'),
    completed: num(s, 'completed'),
    retried: num(s, 'retried'),
    deadLettered: num(s, 'deadLettered'),
    running: num(s, 'running'),
  };
}

/** Decisions of a `RateLimiter`. */
export function limiterCounts(s: unknown): { allowed: number; denied: number; degraded: number } {
  return { allowed: num(s, 'allowed'), denied: num(s, 'denied'), degraded: num(s, 'degraded') };
}

/**
 * An http-client dispatcher's `stats()` with its endpoint origins replaced by short names (`u1`, `web-2`),
 * every field kept (gauges and `requestDuration` histograms included) — what a process's `/metrics` exports
 * and its `/stats` hands the driver.
 */
export function namedEndpoints(s: BalancedDispatcherStats, names: ReadonlyMap<string, string>): BalancedDispatcherStats {
  const endpoints: BalancedDispatcherStats['endpoints'] = {};
  for (const [origin, e] of Object.entries(s.endpoints)) endpoints[names.get(origin) ?? origin] = e;
  return { ...s, endpoints };
}

/**
 * Outcomes of the edge's `@scaling/http-cache` caching proxy (`stats()`): `hits` answered from the store
 * (fresh or stale), `misses` that needed the origin (full response, 304 revalidation or stale-if-error),
 * `passes` forwarded uncached, and `originRequests`.
 */
export function cdnCounts(s: unknown): { hits: number; misses: number; passes: number; originRequests: number } {
  return {
    hits: num(s, 'hits') + num(s, 'stale'),
    misses: num(s, 'misses') + num(s, 'revalidated') + num(s, 'staleIfError'),
    passes: num(s, 'passes'),
    originRequests: num(s, 'originRequests'),
  };
}
