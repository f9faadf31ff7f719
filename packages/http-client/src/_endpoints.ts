// Endpoint inputs and request details: validating and normalising an endpoint list (origin, weight), and
// the header and body helpers a request needs (has/replace a header in any undici shape, body replayable?).
import { describeValue } from '@scaling/core/internal';
import type { HttpEndpoint, HttpEndpointInput } from './types.js';

/** Validates and normalises one endpoint input into an {@link HttpEndpoint} (id = origin). */
function normaliseOne(input: HttpEndpointInput, index: number): HttpEndpoint {
  const name = `endpoints[${index}]`;
  let raw: unknown = input;
  let weight: unknown;
  if (typeof input === 'object' && input !== null) {
    const keys = Object.keys(input);
    for (const k of keys)
      if (k !== 'origin' && k !== 'weight') throw new TypeError(`Unknown option \`${name}.${k}\` (expected \`origin\` and \`weight\`)`);
    raw = input.origin;
    weight = input.weight;
  }
  if (typeof raw !== 'string')
    throw new TypeError(
      `Expected \`${name}\` to be an origin string like "http://10.0.0.1:8080" or { origin, weight }, got ${describeValue(input)}`,
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`Expected \`${name}\` to be an origin like "http://10.0.0.1:8080", got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`Expected \`${name}\` to use http: or https:, got ${JSON.stringify(raw)}`);
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '')
    throw new TypeError(
      `Expected \`${name}\` to be an origin (scheme, host, port) without credentials, path, query or fragment, got ${JSON.stringify(raw)}`,
    );
  if (weight !== undefined && (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0))
    throw new RangeError(`Expected \`${name}.weight\` to be a finite number > 0, got ${describeValue(weight)}`);
  return weight === undefined ? { id: url.origin, origin: url.origin } : { id: url.origin, origin: url.origin, weight };
}

/**
 * Validates a whole endpoint list: an array of origins or `{ origin, weight }`, no duplicate origin (after
 * normalisation, so `http://a:80` and `http://a` are the same).
 * @throws {TypeError} on a malformed entry or a duplicate; {@link RangeError} on a weight ≤ 0.
 */
export function normaliseEndpoints(list: unknown): HttpEndpoint[] {
  if (!Array.isArray(list)) throw new TypeError(`Expected \`endpoints\` to be an array of origins, got ${describeValue(list)}`);
  const out: HttpEndpoint[] = [];
  const seen = new Set<string>();
  list.forEach((input: HttpEndpointInput, i) => {
    const ep = normaliseOne(input, i);
    if (seen.has(ep.id)) throw new TypeError(`Expected \`endpoints\` to have no duplicates, got ${JSON.stringify(ep.id)} twice`);
    seen.add(ep.id);
    out.push(ep);
  });
  return out;
}

/**
 * Copies undici request headers (flat array, array of pairs, iterable of pairs or plain object) into a flat
 * `[name, value, …]` array without the header `drop` (lower case), then appends `extra` pairs.
 */
export function withHeader(headers: unknown, drop: string, value: string): string[] {
  const out: string[] = [];
  const push = (k: unknown, v: unknown): void => {
    const name = String(k);
    if (name.toLowerCase() === drop || v === undefined) return;
    if (Array.isArray(v)) for (const item of v) out.push(name, String(item));
    else out.push(name, String(v));
  };
  if (headers == null) {
    // nothing
  } else if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) for (const [k, v] of headers as unknown[][]) push(k, v);
    else for (let i = 0; i + 1 < headers.length; i += 2) push(headers[i], headers[i + 1]);
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<[unknown, unknown]>) push(pair[0], pair[1]);
  } else {
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) push(k, v);
  }
  out.push(drop, value);
  return out;
}

/** Whether undici request headers (any accepted shape) contain `name` (lower case). */
export function hasHeader(headers: unknown, name: string): boolean {
  if (headers == null) return false;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) return (headers as unknown[][]).some((p) => String(p[0]).toLowerCase() === name);
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === name) return true;
    return false;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<[unknown, unknown]>) if (String(pair[0]).toLowerCase() === name) return true;
    return false;
  }
  return Object.keys(headers as object).some((k) => k.toLowerCase() === name);
}

/** Whether a request body can be sent again: absent, a string or bytes (streams and iterables cannot). */
export function isReplayable(body: unknown): boolean {
  return body == null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
}
