import { describe, expect, it } from 'vitest';
import { MAX_DELTA_SECONDS, parseCacheControl, selectCacheControl } from '../src/index.js';

describe('parseCacheControl', () => {
  it('parses the common directives', () => {
    const cc = parseCacheControl('public, max-age=60, s-maxage=120, stale-while-revalidate=30, stale-if-error=600');
    expect(cc).toMatchObject({ public: true, maxAge: 60, sMaxAge: 120, staleWhileRevalidate: 30, staleIfError: 600 });
    expect(cc.noStore).toBe(false);
  });

  it('is case-insensitive on names and joins repeated field lines', () => {
    const cc = parseCacheControl(['Max-Age=10', 'NO-STORE']);
    expect(cc.maxAge).toBe(10);
    expect(cc.noStore).toBe(true);
  });

  it('keeps the most restrictive value of duplicated directives', () => {
    expect(parseCacheControl('max-age=60, max-age=5').maxAge).toBe(5);
    expect(parseCacheControl('max-age=5, max-age=60').maxAge).toBe(5);
    expect(parseCacheControl('no-cache="set-cookie", no-cache').noCache).toBe(true);
    expect(parseCacheControl('private="a", private="b"').private).toEqual(['a', 'b']);
  });

  it('treats malformed delta-seconds as 0 (stale), never a crash', () => {
    for (const bad of ['max-age=abc', 'max-age=-1', 'max-age=', 'max-age=1.5', 'max-age="x"']) {
      expect(parseCacheControl(bad).maxAge).toBe(0);
    }
    expect(parseCacheControl('max-age="60"').maxAge).toBe(60);
  });

  it('clamps huge max-age to 2^31 seconds (RFC 9111 §1.2.2)', () => {
    expect(parseCacheControl('max-age=99999999999999999999999').maxAge).toBe(MAX_DELTA_SECONDS);
  });

  it('parses qualified no-cache and private field lists, quoted with commas', () => {
    expect(parseCacheControl('no-cache="Set-Cookie, X-Foo", max-age=5')).toMatchObject({
      noCache: ['set-cookie', 'x-foo'],
      maxAge: 5,
    });
  });

  it('survives junk', () => {
    for (const junk of [',,,', '=', '"', 'max-age="unterminated', '  ,  max-age = 7 ,', '\u0000;;']) {
      expect(() => parseCacheControl(junk)).not.toThrow();
    }
    expect(parseCacheControl('  ,  max-age = 7 ,').maxAge).toBe(7);
  });
});

describe('selectCacheControl (RFC 9213)', () => {
  it('prefers CDN-Cache-Control over Cache-Control', () => {
    const r = selectCacheControl({ 'cache-control': 'no-store', 'cdn-cache-control': 'max-age=600' }, ['cdn-cache-control']);
    expect(r.targeted).toBe(true);
    expect(r.cacheControl.maxAge).toBe(600);
    expect(r.cacheControl.noStore).toBe(false);
  });

  it('uses the first configured targeted field present', () => {
    const headers = { 'acme-cache-control': 'max-age=1', 'cdn-cache-control': 'max-age=2', 'cache-control': 'max-age=3' };
    expect(selectCacheControl(headers, ['acme-cache-control', 'cdn-cache-control']).cacheControl.maxAge).toBe(1);
    expect(selectCacheControl(headers, ['cdn-cache-control']).cacheControl.maxAge).toBe(2);
    expect(selectCacheControl(headers, []).cacheControl.maxAge).toBe(3);
  });

  it('ignores an empty targeted field', () => {
    const r = selectCacheControl({ 'cache-control': 'max-age=3', 'cdn-cache-control': ' , ' }, ['cdn-cache-control']);
    expect(r.targeted).toBe(false);
    expect(r.cacheControl.maxAge).toBe(3);
  });
});
