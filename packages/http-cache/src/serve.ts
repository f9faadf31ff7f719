// Answering a request from a stored response: `Age`, the cache-status field, 304 for client validators, 206 for a range.
import type { CachedResponse } from './cached-response.js';
import type { HeaderMap } from './headers.js';
import { requestedRange } from './range.js';
import type { ResponseSink } from './sink.js';

/**
 * What the cache-status header (`x-cache`) says about how a response was produced; each value has its
 * `stats()` counter: `HIT` fresh from the store (`hits`), `STALE` stale from the store (`stale`), `MISS` a
 * full origin response (`misses`), `REVALIDATED` stored after a 304 (`revalidated`), `PASS` not a
 * cacheable method (`passes`), `STALE-IF-ERROR` stale because the origin failed (`staleIfError`), `ERROR`
 * an error the cache generated — 502 when the origin cannot be reached, 504 for an `only-if-cached` miss
 * (`errors`; Akamai's and CloudFront's `X-Cache` have an `Error` value too).
 */
export type CacheStatus = 'HIT' | 'STALE' | 'MISS' | 'REVALIDATED' | 'PASS' | 'STALE-IF-ERROR' | 'ERROR';

/**
 * Answers a request from a stored response (RFC 9111 §4): `Age` is the current age in whole seconds
 * (§5.1); a matching client `If-None-Match`/`If-Modified-Since` gets a 304 (RFC 9110 §13.2.2); a single
 * satisfiable `Range` of a stored 200 gets a 206 with `Content-Range` (RFC 9111 §3.4, RFC 9110 §14).
 *
 * @param ageMs the current age in ms.
 */
export function serveStored(
  method: string,
  requestHeaders: HeaderMap,
  sink: ResponseSink,
  entry: CachedResponse,
  ageMs: number,
  status: CacheStatus,
  statusHeader: string | undefined,
): void {
  const headers = copyHeaders(entry.headers);
  headers.age = String(Math.floor(ageMs / 1000));
  if (statusHeader !== undefined) headers[statusHeader] = status;
  if (entry.status === 200 && clientValidatorMatches(requestHeaders, entry.headers)) {
    delete headers['content-length'];
    sink.writeHead(304, headers);
    sink.end();
    return;
  }
  const body = entry.body;
  if (entry.status === 200 && requestHeaders.range !== undefined) {
    const range = requestedRange(requestHeaders, entry.headers, body.length);
    if (range !== undefined) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${body.length}`;
      headers['content-length'] = String(range.end - range.start + 1);
      sink.writeHead(206, headers);
      sink.end(method === 'HEAD' ? undefined : body.subarray(range.start, range.end + 1));
      return;
    }
  }
  headers['content-length'] = String(body.length);
  sink.writeHead(entry.status, headers);
  sink.end(method === 'HEAD' ? undefined : body);
}

/** The stored fields as name/value pairs, computed once per stored header object. */
const PAIRS = new WeakMap<HeaderMap, [string, string | string[]][]>();

/**
 * A fresh copy of stored fields: built property by property from cached pairs, which keeps V8's fast
 * object shape (spreading Node's header dictionary costs microseconds per hit).
 */
function copyHeaders(stored: HeaderMap): HeaderMap {
  let pairs = PAIRS.get(stored);
  if (pairs === undefined) {
    pairs = [];
    for (const name of Object.keys(stored)) {
      const v = stored[name];
      if (v !== undefined) pairs.push([name, v]);
    }
    PAIRS.set(stored, pairs);
  }
  const out: HeaderMap = {};
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as [string, string | string[]];
    out[p[0]] = p[1];
  }
  return out;
}

/** Whether the client's own `If-None-Match`/`If-Modified-Since` match the stored response (RFC 9110 §13.2.2). */
export function clientValidatorMatches(requestHeaders: HeaderMap, stored: HeaderMap): boolean {
  const inm = requestHeaders['if-none-match'];
  if (inm !== undefined) {
    const etag = stored.etag;
    if (typeof etag !== 'string') return false;
    const weak = (t: string): string => (t.startsWith('W/') ? t.slice(2) : t);
    return String(inm)
      .split(',')
      .some((t) => t.trim() === '*' || weak(t.trim()) === weak(etag));
  }
  const ims = requestHeaders['if-modified-since'];
  const lm = stored['last-modified'];
  if (typeof ims === 'string' && typeof lm === 'string') {
    const a = Date.parse(ims);
    const b = Date.parse(lm);
    return Number.isFinite(a) && Number.isFinite(b) && b <= a;
  }
  return false;
}
