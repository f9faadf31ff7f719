// Whether a stored response may be served: fresh, stale (max-stale, stale-while-revalidate) or revalidate
// first (RFC 9111 §4.2, §5.2.1; RFC 5861).
import type { CacheControl } from './cache-control.js';
import { currentAge } from './freshness.js';

/** What a stored response's freshness allows. */
export interface StoredFreshness {
  /** Corrected initial age in ms (see `initialAge`). */
  initialAgeMs: number;
  /** When it was received, ms since the epoch. */
  responseTime: number;
  /** Freshness lifetime in ms (see `freshnessLifetime`). */
  freshnessMs: number;
  /** The response directives this cache obeys. */
  cacheControl: CacheControl;
}

/**
 * How to answer a request from a stored response (RFC 9111 §4.2.4, RFC 5861):
 * - `'fresh'`: serve it;
 * - `'stale'`: serve it stale (the request's `max-stale` allows it);
 * - `'stale-while-revalidate'`: serve it and revalidate in the background;
 * - `'revalidate'`: validate with the origin first.
 */
export type ServeDecision = 'fresh' | 'stale' | 'stale-while-revalidate' | 'revalidate';

/** True when stale serving is forbidden: `must-revalidate`, `proxy-revalidate` or `s-maxage` (shared). */
function staleForbidden(cc: CacheControl): boolean {
  return cc.mustRevalidate || cc.proxyRevalidate || cc.sMaxAge !== undefined;
}

/** Decides how a stored response may answer a request with `requestCacheControl`, at `now` (ms). */
export function serveDecision(stored: StoredFreshness, requestCacheControl: CacheControl, now: number): ServeDecision {
  const cc = stored.cacheControl;
  const req = requestCacheControl;
  if (cc.noCache === true || req.noCache === true) return 'revalidate';
  const age = currentAge(stored.initialAgeMs, stored.responseTime, now);
  if (req.maxAge !== undefined && age > req.maxAge * 1000) return 'revalidate';
  const remaining = stored.freshnessMs - age;
  if (remaining > 0) {
    if (req.minFresh !== undefined && remaining < req.minFresh * 1000) return 'revalidate';
    return 'fresh';
  }
  if (staleForbidden(cc)) return 'revalidate';
  const staleness = -remaining;
  if (req.maxStale !== undefined && staleness <= req.maxStale * 1000) return 'stale';
  if (cc.staleWhileRevalidate !== undefined && staleness < cc.staleWhileRevalidate * 1000) {
    return 'stale-while-revalidate';
  }
  return 'revalidate';
}

/**
 * Whether a stored response may be served because the origin failed (RFC 5861 §4): its staleness is
 * within the response's (or the request's) `stale-if-error`, and stale serving is not forbidden.
 */
export function staleIfErrorAllows(stored: StoredFreshness, requestCacheControl: CacheControl, now: number): boolean {
  const cc = stored.cacheControl;
  if (staleForbidden(cc)) return false;
  const window = Math.max(cc.staleIfError ?? -1, requestCacheControl.staleIfError ?? -1);
  if (window < 0) return false;
  const staleness = currentAge(stored.initialAgeMs, stored.responseTime, now) - stored.freshnessMs;
  return staleness <= window * 1000;
}
