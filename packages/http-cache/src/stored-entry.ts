// Building a stored entry from an origin response (freshness, Vary values) and how long the store keeps it.
import { selectCacheControl } from './cache-control.js';
import type { CachedResponse } from './cached-response.js';
import { currentAge, freshnessLifetime, initialAge } from './freshness.js';
import type { HeaderMap } from './headers.js';
import { hasValidator } from './validation.js';
import { parseVary, varyValues } from './vary.js';

/** What {@link storedEntry} needs of the cache's configuration. */
export interface StoredEntryOptions {
  /** Targeted cache-control fields obeyed first (RFC 9213). */
  targeted: readonly string[];
  /** A shared cache. */
  shared: boolean;
  /** Heuristic freshness fraction (RFC 9111 §4.2.2). */
  heuristicFraction: number;
}

/**
 * The stored form of a response (RFC 9111 §3): its `Vary` selection from the request that caused it, the
 * directives this cache obeys, the corrected initial age (§4.2.3) and the freshness lifetime (§4.2.1);
 * `undefined` for `Vary: *` (never reusable, §4.1).
 *
 * @param timing when the request was sent and the response received, ms since the epoch.
 */
export function storedEntry(
  requestHeaders: HeaderMap,
  status: number,
  headers: HeaderMap,
  body: Buffer,
  timing: { requestTime: number; responseTime: number },
  surrogateKeys: string[],
  options: StoredEntryOptions,
): CachedResponse | undefined {
  const vary = parseVary(headers);
  if (vary === '*') return undefined;
  const { cacheControl, targeted } = selectCacheControl(headers, options.targeted);
  return {
    status,
    headers,
    body,
    varyNames: vary,
    varyValues: varyValues(vary, requestHeaders),
    surrogateKeys,
    cacheControl,
    initialAgeMs: initialAge(headers, timing.requestTime, timing.responseTime),
    responseTime: timing.responseTime,
    freshnessMs: freshnessLifetime(status, headers, cacheControl, timing.responseTime, {
      targeted,
      shared: options.shared,
      heuristicFraction: options.heuristicFraction,
    }),
  };
}

/**
 * How long a stored response stays useful at `now`, in ms: the freshness left plus the longest stale
 * window — `stale-while-revalidate`, `stale-if-error` (RFC 5861), or `staleRetentionMs` when it has a
 * validator to revalidate with. Not positive: not worth storing.
 */
export function storeTtl(entry: CachedResponse, now: number, staleRetentionMs: number): number {
  const cc = entry.cacheControl;
  const freshLeft = entry.freshnessMs - currentAge(entry.initialAgeMs, entry.responseTime, now);
  const staleWindow = Math.max(
    (cc.staleWhileRevalidate ?? 0) * 1000,
    (cc.staleIfError ?? 0) * 1000,
    hasValidator(entry.headers) ? staleRetentionMs : 0,
  );
  return Math.ceil(freshLeft + staleWindow);
}
