/**
 * Payload validation at enqueue: a job payload must survive JSON unchanged, so it can cross a process
 * boundary to a broker and back. Anything JSON would drop or change (functions, `undefined` in
 * objects, `Date`, `Map`, class instances, `NaN`, `bigint`, cycles) is rejected with its path —
 * never silently mangled.
 */
import { InvalidPayloadError } from './errors.js';

/**
 * Checks `value` and returns its JSON text.
 *
 * @param maxBytes - the largest UTF-8 size accepted (the backend's limit).
 * @throws {InvalidPayloadError} naming the path of the first value JSON cannot carry unchanged, a
 *   cycle, or a payload over `maxBytes`.
 */
export function serializePayload(value: unknown, maxBytes: number): string {
  check(value, '$', new Set());
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new InvalidPayloadError('$', `${bytes} bytes is over the backend's limit of ${maxBytes} bytes`);
  return text;
}

function check(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidPayloadError(path, `${value} is not representable in JSON`);
      return;
    case 'object':
      break;
    default:
      throw new InvalidPayloadError(path, `a ${typeof value} cannot be serialised`);
  }
  if (value === null) return;
  if (seen.has(value)) throw new InvalidPayloadError(path, 'the payload contains a cycle');
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) check(value[i], `${path}[${i}]`, seen);
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as object).constructor?.name ?? 'object';
      throw new InvalidPayloadError(path, `a ${kind} is not a plain object (convert it, e.g. a Date with toISOString())`);
    }
    for (const key of Object.keys(value)) check((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
  }
  seen.delete(value);
}
