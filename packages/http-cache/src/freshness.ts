// Freshness and age arithmetic (RFC 9111 §4.2): HTTP dates, `Age`, initial and current age, lifetimes.
import type { CacheControl } from './cache-control.js';
import { type HeaderMap, headerValue } from './headers.js';

/**
 * Parses an HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime forms, RFC 9110 §5.6.7) to
 * milliseconds since the epoch; `undefined` when invalid (`Expires: 0` included).
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*[A-Za-z]{3}/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The `Age` field in seconds (RFC 9111 §5.1); `0` when absent. A list value uses its first member, as §5.1
 * asks. A value that cannot be trusted is handled the most restrictive way — 2^31 s, so the response is
 * stale and gets revalidated, never served too old: not a non-negative integer (negative, fractional,
 * with parameters), sent on several field lines (`headers.age` an array), or a list repeating a member
 * (`0, 0`: a field duplicated on the way). These are the expectations of http-cache-tests 0.4.5
 * (`age-parse-*`, required there; the current suite makes them informational checks since RFC 9111
 * leaves error handling open).
 */
export function parseAge(headers: HeaderMap): number {
  const raw = headers.age;
  if (raw === undefined) return 0;
  if (Array.isArray(raw) && raw.length !== 1) return raw.length === 0 ? 0 : 2 ** 31;
  const members = String(raw)
    .split(',')
    .map((m) => m.trim());
  const first = members[0] ?? '';
  if (!/^\d+$/.test(first)) return 2 ** 31;
  if (new Set(members).size !== members.length) return 2 ** 31;
  return Math.min(Number(first), 2 ** 31);
}

/**
 * The corrected initial age of a response in ms (RFC 9111 §4.2.3): the larger of the apparent age
 * (`responseTime − Date`, at least 0) and `Age` plus the response delay (`responseTime − requestTime`).
 * Never negative.
 *
 * @param requestTime when the request was sent, ms since the epoch.
 * @param responseTime when the response was received, ms since the epoch.
 */
export function initialAge(headers: HeaderMap, requestTime: number, responseTime: number): number {
  const date = parseHttpDate(headerValue(headers, 'date'));
  const apparent = date === undefined ? 0 : Math.max(0, responseTime - date);
  const delay = Math.max(0, responseTime - requestTime);
  const corrected = parseAge(headers) * 1000 + delay;
  return Math.max(apparent, corrected);
}

/** The current age in ms of a stored response (RFC 9111 §4.2.3): initial age plus time resident. */
export function currentAge(initialAgeMs: number, responseTime: number, now: number): number {
  return initialAgeMs + Math.max(0, now - responseTime);
}

/** Statuses cacheable without explicit freshness (heuristically cacheable, RFC 9110 §15.1). */
export const HEURISTICALLY_CACHEABLE_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);

/** Options of {@link freshnessLifetime}. */
export interface FreshnessOptions {
  /** A shared cache (obeys `s-maxage`; default `true`). */
  shared?: boolean;
  /** The directives came from a targeted field (RFC 9213): `Expires` is then ignored. */
  targeted?: boolean;
  /** Heuristic freshness as a fraction of `Date − Last-Modified` (default `0.1`, RFC 9111 §4.2.2). */
  heuristicFraction?: number;
  /** Upper bound of heuristic freshness in ms (default one day). */
  maxHeuristicMs?: number;
}

/**
 * The freshness lifetime in ms (RFC 9111 §4.2.1): `s-maxage` (shared caches), else `max-age`, else
 * `Expires − Date`, else a heuristic — `heuristicFraction` of the time since `Last-Modified`, for
 * heuristically cacheable statuses or `public` responses only — else `0`.
 *
 * @param responseTime used as `Date` when the response has none.
 */
export function freshnessLifetime(
  status: number,
  headers: HeaderMap,
  cacheControl: CacheControl,
  responseTime: number,
  options: FreshnessOptions = {},
): number {
  const shared = options.shared ?? true;
  if (shared && cacheControl.sMaxAge !== undefined) return cacheControl.sMaxAge * 1000;
  if (cacheControl.maxAge !== undefined) return cacheControl.maxAge * 1000;
  const date = parseHttpDate(headerValue(headers, 'date')) ?? responseTime;
  if (!options.targeted) {
    const expiresRaw = headerValue(headers, 'expires');
    if (expiresRaw !== undefined) {
      const expires = parseHttpDate(expiresRaw);
      // An invalid Expires (e.g. "0") means already expired.
      return expires === undefined ? 0 : Math.max(0, expires - date);
    }
  }
  if (HEURISTICALLY_CACHEABLE_STATUSES.has(status) || cacheControl.public) {
    const lastModified = parseHttpDate(headerValue(headers, 'last-modified'));
    if (lastModified !== undefined && lastModified < date) {
      const fraction = options.heuristicFraction ?? 0.1;
      return Math.min(options.maxHeuristicMs ?? 86_400_000, Math.floor((date - lastModified) * fraction));
    }
  }
  return 0;
}
