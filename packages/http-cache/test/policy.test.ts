import { describe, expect, it } from 'vitest';
import {
  conditionalHeaders,
  fieldsToStrip,
  type HeaderMap,
  invalidationTargets,
  isUnsafeMethod,
  mergeNotModified,
  notModifiedMatches,
  parseCacheControl,
  serveDecision,
  staleIfErrorAllows,
  storability,
  stripHeaders,
} from '../src/index.js';

const none = parseCacheControl(undefined);

function verdict(status: number, headers: HeaderMap, requestHeaders: HeaderMap = {}, method = 'GET') {
  return storability({
    method,
    requestHeaders,
    requestCacheControl: parseCacheControl(requestHeaders['cache-control']),
    status,
    responseHeaders: headers,
    cacheControl: parseCacheControl(headers['cache-control']),
    targeted: false,
  });
}

describe('storability for a shared cache (RFC 9111 §3)', () => {
  it('stores explicit freshness and heuristically cacheable statuses', () => {
    expect(verdict(200, { 'cache-control': 'max-age=60' })).toBeUndefined();
    expect(verdict(404, {})).toBeUndefined();
    expect(verdict(302, { 'cache-control': 'max-age=60' })).toBeUndefined();
    expect(verdict(302, {})).toBe('no explicit freshness');
    expect(verdict(500, { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' })).toBeUndefined();
  });

  it('refuses no-store, private, Vary: *, partial content, HEAD and POST', () => {
    expect(verdict(200, { 'cache-control': 'no-store, max-age=60' })).toBe('no-store');
    expect(verdict(200, { 'cache-control': 'private, max-age=60' })).toBe('private');
    expect(verdict(200, { 'cache-control': 'max-age=60', vary: '*' })).toBe('vary *');
    expect(verdict(206, { 'cache-control': 'max-age=60' })).toBe('status');
    expect(verdict(200, { 'cache-control': 'max-age=60' }, {}, 'HEAD')).toBe('method');
    expect(verdict(200, { 'cache-control': 'max-age=60' }, {}, 'POST')).toBe('method');
    expect(verdict(200, { 'cache-control': 'max-age=60' }, { 'cache-control': 'no-store' })).toBe('request no-store');
  });

  it('stores an Authorization response only with public, must-revalidate or s-maxage (§3.5)', () => {
    const auth = { authorization: 'Bearer x' };
    expect(verdict(200, { 'cache-control': 'max-age=60' }, auth)).toBe('authorization');
    expect(verdict(200, { 'cache-control': 'public, max-age=60' }, auth)).toBeUndefined();
    expect(verdict(200, { 'cache-control': 's-maxage=60' }, auth)).toBeUndefined();
    expect(verdict(200, { 'cache-control': 'must-revalidate, max-age=60' }, auth)).toBeUndefined();
  });

  it('must-understand overrides no-store for understood statuses only', () => {
    expect(verdict(200, { 'cache-control': 'must-understand, no-store, max-age=60' })).toBeUndefined();
    expect(verdict(299, { 'cache-control': 'must-understand, no-store, max-age=60' })).toBe('no-store');
  });

  it('strips no-cache="…" and private="…" fields and hop-by-hop fields', () => {
    const headers = { 'set-cookie': 'a=b', 'x-user': 'u', connection: 'x-hop', 'x-hop': '1', etag: '"1"' };
    const strip = fieldsToStrip(parseCacheControl('no-cache="Set-Cookie", private="x-user"'), headers);
    expect(stripHeaders(headers, strip)).toEqual({ etag: '"1"' });
  });
});

describe('serveDecision (RFC 9111 §4.2.4, RFC 5861)', () => {
  const stored = (cc: string, freshnessMs = 10_000) => ({
    initialAgeMs: 0,
    responseTime: 0,
    freshnessMs,
    cacheControl: parseCacheControl(cc),
  });

  it('serves fresh, then stale-while-revalidate within the window, then revalidates', () => {
    const s = stored('max-age=10, stale-while-revalidate=5');
    expect(serveDecision(s, none, 9_999)).toBe('fresh');
    expect(serveDecision(s, none, 10_000)).toBe('stale-while-revalidate');
    expect(serveDecision(s, none, 14_999)).toBe('stale-while-revalidate');
    expect(serveDecision(s, none, 15_000)).toBe('revalidate');
  });

  it('must-revalidate, proxy-revalidate and s-maxage forbid stale serving', () => {
    for (const cc of ['must-revalidate', 'proxy-revalidate', 's-maxage=10']) {
      const s = stored(`${cc}, stale-while-revalidate=5, stale-if-error=60`);
      expect(serveDecision(s, parseCacheControl('max-stale'), 11_000)).toBe('revalidate');
      expect(staleIfErrorAllows(s, none, 11_000)).toBe(false);
    }
  });

  it('honours request no-cache, max-age, min-fresh and max-stale', () => {
    const s = stored('max-age=10');
    expect(serveDecision(s, parseCacheControl('no-cache'), 0)).toBe('revalidate');
    expect(serveDecision(s, parseCacheControl('max-age=2'), 3000)).toBe('revalidate');
    expect(serveDecision(s, parseCacheControl('min-fresh=5'), 6000)).toBe('revalidate');
    expect(serveDecision(s, parseCacheControl('max-stale=5'), 14_000)).toBe('stale');
    expect(serveDecision(stored('no-cache, max-age=10'), none, 0)).toBe('revalidate');
  });

  it('stale-if-error applies within its window only', () => {
    const s = stored('max-age=10, stale-if-error=60');
    expect(staleIfErrorAllows(s, none, 70_000)).toBe(true);
    expect(staleIfErrorAllows(s, none, 70_001)).toBe(false);
    expect(staleIfErrorAllows(stored('max-age=10'), parseCacheControl('stale-if-error=5'), 15_000)).toBe(true);
    expect(staleIfErrorAllows(stored('max-age=10'), none, 10_001)).toBe(false);
  });
});

describe('validation and 304 merging (RFC 9111 §4.3)', () => {
  it('builds conditional headers from the validators', () => {
    expect(conditionalHeaders({ etag: '"a"', 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT' })).toEqual({
      'if-none-match': '"a"',
      'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT',
    });
    expect(conditionalHeaders({})).toEqual({});
  });

  it('a 304 replaces stored fields except Content-Length', () => {
    const merged = mergeNotModified(
      { etag: '"a"', 'content-length': '5', 'cache-control': 'max-age=1', 'x-old': '1' },
      { etag: '"a"', 'content-length': '0', 'cache-control': 'max-age=100', 'x-new': '2', connection: 'close' },
    );
    expect(merged).toEqual({ etag: '"a"', 'content-length': '5', 'cache-control': 'max-age=100', 'x-old': '1', 'x-new': '2' });
  });

  it('a 304 does not update the fields describing the stored body', () => {
    const merged = mergeNotModified(
      { 'content-encoding': 'gzip', 'content-range': 'bytes 0-1/2', 'content-md5': 'a' },
      { 'content-encoding': 'br', 'content-range': 'bytes 0-5/6', 'content-md5': 'b', 'x-new': '1' },
    );
    expect(merged).toEqual({ 'content-encoding': 'gzip', 'content-range': 'bytes 0-1/2', 'content-md5': 'a', 'x-new': '1' });
  });

  it('a 304 with a different strong ETag does not apply', () => {
    expect(notModifiedMatches({ etag: '"a"' }, { etag: '"b"' })).toBe(false);
    expect(notModifiedMatches({ etag: '"a"' }, { etag: '"a"' })).toBe(true);
    expect(notModifiedMatches({ etag: '"a"' }, {})).toBe(true);
  });
});

describe('invalidation (RFC 9111 §4.4)', () => {
  const target = new URL('http://shop.test/cart');
  it('unsafe methods are those other than GET, HEAD, OPTIONS, TRACE', () => {
    expect(['POST', 'PUT', 'DELETE', 'PATCH', 'FOO'].every(isUnsafeMethod)).toBe(true);
    expect(['GET', 'head', 'OPTIONS', 'TRACE'].some(isUnsafeMethod)).toBe(false);
  });

  it('invalidates the target and same-origin Location / Content-Location on success', () => {
    const urls = invalidationTargets(target, 201, {
      location: '/items/1',
      'content-location': 'http://other.test/items/1',
    }).map(String);
    expect(urls).toEqual(['http://shop.test/cart', 'http://shop.test/items/1']);
  });

  it('invalidates nothing on an error response', () => {
    expect(invalidationTargets(target, 500, { location: '/x' })).toEqual([]);
  });
});
