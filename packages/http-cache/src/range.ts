// Serving a byte range of a stored response (RFC 9110 §14): the `Range`/`If-Range` a request asks for.
import { parseHttpDate } from './freshness.js';
import { type HeaderMap, headerValue } from './headers.js';

/** An inclusive byte range of a body. */
export interface ByteRange {
  /** First byte, from 0. */
  start: number;
  /** Last byte (inclusive). */
  end: number;
}

/**
 * The one byte range (inclusive `start`–`end`) a request's `Range: bytes=…` asks of a body of `length`
 * bytes (RFC 9110 §14.1.2), or `undefined` when the cache should answer with the whole body instead: no
 * `Range`, not `bytes`, several ranges, unsatisfiable, or an `If-Range` that does not match the stored
 * response (RFC 9110 §13.1.5; a server MAY ignore `Range`, §14.2).
 */
export function requestedRange(requestHeaders: HeaderMap, stored: HeaderMap, length: number): ByteRange | undefined {
  const raw = headerValue(requestHeaders, 'range');
  if (raw === undefined || length === 0) return undefined;
  const ifRange = headerValue(requestHeaders, 'if-range');
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), stored)) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(raw);
  if (m === null) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return undefined;
    start = Math.max(0, length - suffix);
    end = length - 1;
  } else {
    start = Number(first);
    end = last === '' ? length - 1 : Math.min(Number(last), length - 1);
  }
  if (start >= length || end < start) return undefined;
  return { start, end };
}

/** `If-Range` matches when it is the stored strong `ETag`, or an HTTP-date equal to a strong `Last-Modified`. */
function ifRangeMatches(ifRange: string, stored: HeaderMap): boolean {
  const etag = headerValue(stored, 'etag');
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return etag !== undefined && !etag.startsWith('W/') && etag === ifRange;
  const date = parseHttpDate(ifRange);
  const lastModified = parseHttpDate(headerValue(stored, 'last-modified'));
  return date !== undefined && lastModified !== undefined && date === lastModified;
}
