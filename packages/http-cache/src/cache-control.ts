// `Cache-Control` parsing (RFC 9111 §5.2) and the choice between it and a targeted field (RFC 9213).
import { type HeaderMap, headerValue } from './headers.js';

/**
 * The largest delta-seconds value a cache keeps: 2^31 seconds (RFC 9111 §1.2.2 — larger values,
 * overflowing ones included, are taken as this).
 */
export const MAX_DELTA_SECONDS = 2 ** 31;

/**
 * Parsed `Cache-Control` (or targeted `CDN-Cache-Control`) directives, RFC 9111 §5.2. Directive names are
 * lower-cased. Delta-seconds directives hold whole seconds, clamped to {@link MAX_DELTA_SECONDS}; an
 * invalid value (`max-age=abc`, `max-age=-1`) becomes `0` — RFC 9111 §4.2.1 asks caches to treat
 * invalid freshness information as stale. Duplicates keep the most restrictive value (the smallest).
 * `noCache`/`private` are `true` when unqualified, or the list of field names they name
 * (`no-cache="Set-Cookie"`).
 */
export interface CacheControl {
  /** `max-age`, seconds: freshness lifetime (response) or the oldest acceptable age (request). */
  maxAge?: number;
  /** `s-maxage`, seconds: freshness lifetime for shared caches; forbids serving stale. */
  sMaxAge?: number;
  /** `stale-while-revalidate`, seconds (RFC 5861 §3). */
  staleWhileRevalidate?: number;
  /** `stale-if-error`, seconds (RFC 5861 §4). */
  staleIfError?: number;
  /** Request `max-stale`, seconds (2^31 without a value: any staleness). */
  maxStale?: number;
  /** Request `min-fresh`, seconds (the largest when repeated). */
  minFresh?: number;
  /** `no-store`. */
  noStore: boolean;
  /** `no-cache`: `true` unqualified, or the lower-cased field names it lists. */
  noCache: boolean | string[];
  /** `private`: `true` unqualified, or the lower-cased field names it lists. */
  private: boolean | string[];
  /** `public`. */
  public: boolean;
  /** `must-revalidate`. */
  mustRevalidate: boolean;
  /** `proxy-revalidate`. */
  proxyRevalidate: boolean;
  /** `must-understand`. */
  mustUnderstand: boolean;
  /** `no-transform`. */
  noTransform: boolean;
  /** `immutable` (RFC 8246). */
  immutable: boolean;
  /** Request `only-if-cached`. */
  onlyIfCached: boolean;
}

function parseDelta(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw)) return 0;
  const n = Number(raw);
  return Math.min(n, MAX_DELTA_SECONDS);
}

function fieldList(raw: string | undefined): true | string[] {
  if (raw === undefined) return true;
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return names.length === 0 ? true : names;
}

function mergeList(prev: boolean | string[], next: true | string[]): boolean | string[] {
  // Unqualified wins over a field list: it is the more restrictive form.
  if (prev === true || next === true) return true;
  if (prev === false) return next;
  return [...new Set([...prev, ...next])];
}

/** Split a field value on commas outside quoted strings, yielding `[name, value?]` pairs. */
function* directives(value: string): Generator<[string, string | undefined]> {
  let i = 0;
  const n = value.length;
  while (i < n) {
    let name = '';
    while (i < n && value[i] !== ',' && value[i] !== '=') name += value[i++];
    let arg: string | undefined;
    if (value[i] === '=') {
      i++;
      while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
      if (value[i] === '"') {
        i++;
        arg = '';
        while (i < n && value[i] !== '"') {
          if (value[i] === '\\' && i + 1 < n) i++;
          arg += value[i++];
        }
        i++;
        while (i < n && value[i] !== ',') i++; // junk after the closing quote is ignored
      } else {
        arg = '';
        while (i < n && value[i] !== ',') arg += value[i++];
        arg = arg.trim();
      }
    }
    i++; // the comma
    name = name.trim().toLowerCase();
    if (name !== '') yield [name, arg];
  }
}

/**
 * Parses one or more `Cache-Control` field values (RFC 9111 §5.2). Never throws: unknown directives are
 * ignored, malformed delta-seconds count as `0`, huge ones are clamped to 2^31 s, duplicated directives
 * keep the most restrictive value.
 *
 * @example
 * ```ts
 * parseCacheControl('public, max-age=60, max-age=30').maxAge; // 30
 * ```
 */
export function parseCacheControl(value: string | string[] | undefined): CacheControl {
  const cc: CacheControl = {
    noStore: false,
    noCache: false,
    private: false,
    public: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    mustUnderstand: false,
    noTransform: false,
    immutable: false,
    onlyIfCached: false,
  };
  if (value === undefined) return cc;
  const text = typeof value === 'string' ? value : value.join(',');
  const min = (prev: number | undefined, raw: string | undefined): number => {
    const n = parseDelta(raw);
    return prev === undefined ? n : Math.min(prev, n);
  };
  for (const [name, arg] of directives(text)) {
    switch (name) {
      case 'max-age':
        cc.maxAge = min(cc.maxAge, arg);
        break;
      case 's-maxage':
        cc.sMaxAge = min(cc.sMaxAge, arg);
        break;
      case 'stale-while-revalidate':
        cc.staleWhileRevalidate = min(cc.staleWhileRevalidate, arg);
        break;
      case 'stale-if-error':
        cc.staleIfError = min(cc.staleIfError, arg);
        break;
      case 'max-stale':
        // Without a value: any staleness is accepted.
        cc.maxStale = arg === undefined ? MAX_DELTA_SECONDS : min(cc.maxStale, arg);
        break;
      case 'min-fresh':
        cc.minFresh = Math.max(cc.minFresh ?? 0, parseDelta(arg));
        break;
      case 'no-store':
        cc.noStore = true;
        break;
      case 'no-cache':
        cc.noCache = mergeList(cc.noCache, fieldList(arg));
        break;
      case 'private':
        cc.private = mergeList(cc.private, fieldList(arg));
        break;
      case 'public':
        cc.public = true;
        break;
      case 'must-revalidate':
        cc.mustRevalidate = true;
        break;
      case 'proxy-revalidate':
        cc.proxyRevalidate = true;
        break;
      case 'must-understand':
        cc.mustUnderstand = true;
        break;
      case 'no-transform':
        cc.noTransform = true;
        break;
      case 'immutable':
        cc.immutable = true;
        break;
      case 'only-if-cached':
        cc.onlyIfCached = true;
        break;
    }
  }
  return cc;
}

/**
 * The directives this cache obeys (RFC 9213 §2.1): the first of `targetedFields` (lower-case names, e.g.
 * `['acme-cache-control', 'cdn-cache-control']`) present on the response with at least one directive
 * wins and `Cache-Control`/`Expires` are then ignored for freshness; otherwise `Cache-Control`.
 * `targeted` says which case applied.
 */
export function selectCacheControl(
  headers: HeaderMap,
  targetedFields: readonly string[],
): {
  /** The directives that govern the response in this cache. */
  cacheControl: CacheControl;
  /** `true` when they came from a targeted field (RFC 9213), so `Cache-Control`/`Expires` are ignored. */
  targeted: boolean;
} {
  for (const field of targetedFields) {
    const raw = headerValue(headers, field);
    if (raw === undefined) continue;
    let any = false;
    for (const _ of directives(raw)) {
      any = true;
      break;
    }
    if (any) return { cacheControl: parseCacheControl(raw), targeted: true };
  }
  return { cacheControl: parseCacheControl(headers['cache-control']), targeted: false };
}
