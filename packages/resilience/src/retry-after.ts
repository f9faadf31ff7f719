/**
 * Parses an HTTP `Retry-After` header value (RFC 9110 §10.2.3): either delay-seconds (`"120"`) or an
 * HTTP-date. Returns the wait in milliseconds, or `undefined` when the value is absent or malformed.
 *
 * An HTTP-date is wall-clock time, so it is compared with `nowMs` (default `Date.now()`); pass the response's
 * `Date` header time for accuracy between machines whose clocks disagree.
 *
 * @example
 * ```ts
 * import { parseRetryAfter, retry } from '@scaling/resilience';
 * const policy = retry({
 *   retryOn: (r) => (r.ok ? (r.value as Response).status === 503 : true),
 *   retryAfter: (r) => (r.ok ? parseRetryAfter((r.value as Response).headers.get('retry-after')) : undefined),
 * });
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
