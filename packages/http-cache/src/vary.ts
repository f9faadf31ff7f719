// Secondary cache keys (RFC 9111 §4.1): parsing `Vary` and matching a request to a stored variant.
import { type HeaderMap, headerValue } from './headers.js';

/**
 * The request field names a response varies on, lower-cased and sorted; `'*'` when `Vary` contains `*`
 * (such a response never matches a later request, RFC 9111 §4.1).
 */
export function parseVary(headers: HeaderMap): string[] | '*' {
  const raw = headerValue(headers, 'vary');
  if (raw === undefined) return [];
  const names = new Set<string>();
  for (const part of raw.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return '*';
    if (name !== '') names.add(name);
  }
  return [...names].sort();
}

/**
 * A request field value normalised for `Vary` matching (RFC 9111 §4.1): lines combined, whitespace around
 * commas removed, runs of whitespace collapsed, trimmed. `undefined` (absent) stays distinct from `''`.
 */
export function normalizeVaryValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = typeof value === 'string' ? value : value.join(',');
  return joined
    .split(',')
    .map((s) => s.trim().replace(/\s+/g, ' '))
    .filter((s) => s !== '')
    .join(',');
}

/** The normalised values of `names` on `requestHeaders`, in the same order. */
export function varyValues(names: readonly string[], requestHeaders: HeaderMap): (string | undefined)[] {
  return names.map((name) => normalizeVaryValue(requestHeaders[name]));
}

/**
 * Whether a stored response selected by `names`/`storedValues` (from {@link varyValues} of the request
 * that stored it) may answer a request with `requestHeaders`.
 */
export function varyMatches(names: readonly string[], storedValues: readonly (string | undefined)[], requestHeaders: HeaderMap): boolean {
  for (let i = 0; i < names.length; i++) {
    if (normalizeVaryValue(requestHeaders[names[i] as string]) !== storedValues[i]) return false;
  }
  return true;
}
