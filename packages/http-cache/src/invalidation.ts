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
