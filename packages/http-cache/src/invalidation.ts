// Invalidation on unsafe methods (RFC 9111 §4.4): which stored URLs a response invalidates.
import { type HeaderMap, headerValue } from './headers.js';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether `method` is unsafe (RFC 9110 §9.2.1): its success invalidates stored responses. */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * The URLs whose stored responses an unsafe request invalidates (RFC 9111 §4.4): on a non-error
 * response (2xx, 3xx), the target URI and the `Location` and `Content-Location` URIs when they have the
 * target's origin; none otherwise.
 *
 * @param target the absolute request URL.
 */
export function invalidationTargets(target: URL, status: number, responseHeaders: HeaderMap): URL[] {
  if (status < 200 || status >= 400) return [];
  const urls = [target];
  for (const field of ['location', 'content-location']) {
    const raw = headerValue(responseHeaders, field);
    if (raw === undefined) continue;
    let url: URL;
    try {
      url = new URL(raw, target);
    } catch {
      continue;
    }
    if (url.origin === target.origin) urls.push(url);
  }
  return urls;
}

/**
 * The cache keys an unsafe request's response invalidates (see {@link invalidationTargets}): path and
 * query when `key` is a path (one origin, `host` resolving it), absolute URLs when `key` is absolute.
 */
export function invalidatedKeys(key: string, host: string | string[] | undefined, status: number, responseHeaders: HeaderMap): string[] {
  const absolute = /^https?:\/\//i.test(key);
  let target: URL;
  try {
    target = new URL(key, `http://${typeof host === 'string' ? host : 'cache.invalid'}`);
  } catch {
    return [];
  }
  return invalidationTargets(target, status, responseHeaders).map((url) => (absolute ? url.href : url.pathname + url.search));
}
