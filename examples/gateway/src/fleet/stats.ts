/**
 * The ONE place the fleet demo reads the packages' `stats()` snapshots. The snapshot shapes are being
 * unified (the stats() convention: counters, gauges, `endpoints`/`replicas`/`levels` member collections,
 * `…Duration` histograms); every reader here accepts the current shape and the conventional one, so the
 * rest of the demo never touches a package's field names.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first of `names` that is a finite number in `s`, else 0. */
export function num(s: unknown, ...names: string[]): number {
  if (!isObj(s)) return 0;
  for (const n of names) {
    const v = s[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return 0;
}

/** Per-endpoint counters of an http-client dispatcher: `{ endpoints: { id: … } }` or the flat `{ id: … }` of today. */
export interface EndpointCounts {
  requests: number;
  failures: number;
  retries: number;
  ejections: number;
}

export function dispatcherEndpoints(s: unknown): Record<string, EndpointCounts> {
  const members = isObj(s) && isObj(s.endpoints) ? s.endpoints : s;
  const out: Record<string, EndpointCounts> = {};
  if (!isObj(members)) return out;
  for (const [id, m] of Object.entries(members)) {
    if (!isObj(m)) continue;
    out[id] = {
      requests: num(m, 'requests'),
      failures: num(m, 'failures', 'errors'),
      retries: num(m, 'retries'),
      ejections: num(m, 'ejections'),
    };
  }
  return out;
}

/** Hits per level of a tiered cache: `l1Hits`/`l2Hits`/`misses` today, or `levels: { l1: { hits }, l2: { hits } }`. */
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
  const levels = isObj(s) && isObj(s.levels) ? s.levels : undefined;
  const o = isObj(s) ? s : {};
  return {
    l1: levels ? num(levels.l1, 'hits') : num(o, 'l1Hits'),
    l2: levels ? num(levels.l2, 'hits') : num(o, 'l2Hits'),
    misses: num(o, 'misses'),
    loads: num(o, 'loads'),
    staleServes: num(o, 'staleServes'),
    busReconnects: num(o, 'busReconnects'),
    l2Errors: num(o, 'l2Errors'),
    busConnected: o.busConnected !== false,
    breakerState: typeof o.breakerState === 'string' ? o.breakerState : typeof o.state === 'string' ? o.state : 'closed',
  };
}

/** Reads routed by a replicated pool: `{ primary, replicas: { id: n } }` today, or `{ replicas: { id: { reads } } }`. */
export function dbReads(s: unknown): { primary: number; replicas: number; retries: number } {
  const o = isObj(s) ? s : {};
  let replicas = 0;
  if (isObj(o.replicas))
    for (const v of Object.values(o.replicas)) replicas += typeof v === 'number' ? v : num(v, 'reads', 'queries', 'requests');
  return { primary: num(o, 'primary', 'primaryReads', 'primaryQueries'), replicas, retries: num(o, 'retries') };
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
    running: num(s, 'running', 'active'),
  };
}

/** Decisions of a `RateLimiter`. */
export function limiterCounts(s: unknown): { allowed: number; denied: number; degraded: number } {
  return { allowed: num(s, 'allowed'), denied: num(s, 'denied', 'rejected'), degraded: num(s, 'degraded') };
}

/**
 * An http-client dispatcher's stats with endpoint origins replaced by short names (`u1`, `web-2`), in the
 * conventional `{ endpoints: { … } }` shape — what the demo's `/metrics` exports and its driver reads.
 */
export function namedEndpoints(s: unknown, names: ReadonlyMap<string, string>): { endpoints: Record<string, EndpointCounts> } {
  const out: Record<string, EndpointCounts> = {};
  for (const [origin, counts] of Object.entries(dispatcherEndpoints(s))) out[names.get(origin) ?? origin] = counts;
  return { endpoints: out };
}
