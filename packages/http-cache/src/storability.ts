// Whether a response may be stored (RFC 9111 §3) and which fields are never stored or forwarded.
import type { CacheControl } from './cache-control.js';
import { HEURISTICALLY_CACHEABLE_STATUSES } from './freshness.js';
import type { HeaderMap } from './headers.js';
import { parseVary } from './vary.js';

/** Statuses whose semantics this cache understands, for `must-understand` (RFC 9111 §5.2.2.3). */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501]);

/** What {@link storability} inspects. */
export interface StorabilityInput {
  /** The request method, upper-case. */
  method: string;
  /** The request header fields. */
  requestHeaders: HeaderMap;
  /** The request's parsed `Cache-Control`. */
  requestCacheControl: CacheControl;
  /** The response status code. */
  status: number;
  /** The response header fields. */
  responseHeaders: HeaderMap;
  /** The directives this cache obeys (see `selectCacheControl`). */
  cacheControl: CacheControl;
  /** They came from a targeted field (RFC 9213): `Expires` is ignored. */
  targeted: boolean;
  /** A shared cache (default `true`). */
  shared?: boolean;
}

/** Why a response may not be stored, or `undefined` when it may (RFC 9111 §3, shared cache). */
export function storability(input: StorabilityInput): string | undefined {
  const { cacheControl: cc, status } = input;
  const shared = input.shared ?? true;
  if (input.method !== 'GET') return 'method';
  if (status < 200 || status === 206 || status === 304) return 'status';
  if (cc.mustUnderstand ? !UNDERSTOOD_STATUSES.has(status) : cc.noStore) return 'no-store';
  if (input.requestCacheControl.noStore) return 'request no-store';
  if (shared && cc.private === true) return 'private';
  if (parseVary(input.responseHeaders) === '*') return 'vary *';
  if (shared && input.requestHeaders.authorization !== undefined) {
    // RFC 9111 §3.5: only with an explicit permission for shared caches.
    if (!cc.public && !cc.mustRevalidate && cc.sMaxAge === undefined) return 'authorization';
  }
  if (
    cc.public ||
    cc.maxAge !== undefined ||
    (shared && cc.sMaxAge !== undefined) ||
    (!input.targeted && input.responseHeaders.expires !== undefined) ||
    HEURISTICALLY_CACHEABLE_STATUSES.has(status) ||
    (!shared && cc.private !== false)
  ) {
    return undefined;
  }
  return 'no explicit freshness';
}

/**
 * Header fields a shared cache must not store or serve without validation: the fields named by
 * `no-cache="…"` and `private="…"` (RFC 9111 §5.2.2.4, §5.2.2.7), plus the hop-by-hop fields and those
 * named by `Connection` (RFC 9110 §7.6.1).
 */
export function fieldsToStrip(cacheControl: CacheControl, headers: HeaderMap): Set<string> {
  const strip = new Set(HOP_BY_HOP);
  if (Array.isArray(cacheControl.noCache)) for (const f of cacheControl.noCache) strip.add(f);
  if (Array.isArray(cacheControl.private)) for (const f of cacheControl.private) strip.add(f);
  const connection = headers.connection;
  if (connection !== undefined) {
    for (const f of String(connection).split(',')) strip.add(f.trim().toLowerCase());
  }
  return strip;
}

/** Hop-by-hop header fields (RFC 9110 §7.6.1), never forwarded or stored. */
export const HOP_BY_HOP: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** A copy of `headers` without the fields in `strip`. */
export function stripHeaders(headers: HeaderMap, strip: ReadonlySet<string>): HeaderMap {
  const out: HeaderMap = {};
  for (const name of Object.keys(headers)) {
    if (!strip.has(name) && headers[name] !== undefined) out[name] = headers[name];
  }
  return out;
}
