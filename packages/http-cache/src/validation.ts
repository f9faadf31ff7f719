// Validation (RFC 9111 §4.3): conditional request fields and merging a 304 into the stored response.
import type { HeaderMap } from './headers.js';
import { HOP_BY_HOP } from './storability.js';

/**
 * The conditional request fields to validate a stored response (RFC 9111 §4.3.1): `If-None-Match` from
 * its `ETag`, `If-Modified-Since` from its `Last-Modified`. Empty when it has neither validator.
 */
export function conditionalHeaders(stored: HeaderMap): HeaderMap {
  const out: HeaderMap = {};
  if (stored.etag !== undefined) out['if-none-match'] = stored.etag;
  if (stored['last-modified'] !== undefined) out['if-modified-since'] = stored['last-modified'];
  return out;
}

/** Whether a stored response has a validator to revalidate with. */
export function hasValidator(stored: HeaderMap): boolean {
  return stored.etag !== undefined || stored['last-modified'] !== undefined;
}

/**
 * Whether a `304 Not Modified` applies to the stored response (RFC 9111 §4.3.4): when the 304 carries a
 * strong `ETag`, the stored one must be equal; otherwise it applies to the response validated.
 */
export function notModifiedMatches(stored: HeaderMap, notModified: HeaderMap): boolean {
  const etag = notModified.etag;
  if (typeof etag !== 'string' || etag.startsWith('W/')) return true;
  return stored.etag === etag;
}

/**
 * Fields a 304 never updates: those describing the stored body (RFC 9111 §3.2, "header fields that the
 * cache's stored response depends upon") and hop-by-hop fields.
 */
const NOT_UPDATED: ReadonlySet<string> = new Set([
  'content-length',
  'content-encoding',
  'content-md5',
  'content-range',
  'transfer-encoding',
  'etag',
  ...HOP_BY_HOP,
]);

/**
 * The stored headers updated from a `304 Not Modified` (RFC 9111 §3.2): every field of the 304 replaces
 * the stored one, except those describing the stored body (`Content-Length`, `Content-Encoding`,
 * `Content-MD5`, `Content-Range`), its `ETag`, and hop-by-hop fields. The body is unchanged.
 */
export function mergeNotModified(stored: HeaderMap, notModified: HeaderMap): HeaderMap {
  const out: HeaderMap = { ...stored };
  for (const name of Object.keys(notModified)) {
    if (NOT_UPDATED.has(name)) continue;
    const value = notModified[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
