/**
 * Turns values into the strings stored in L2 (Redis) and back. `serialize` must throw (any error) for a
 * value it cannot represent faithfully; the tier reports that as a `SerializationError` and writes nothing.
 */
export interface Serializer {
  /** The stored form of `value` (never called with `undefined`). */
  serialize(value: unknown): string;
  /** The value back from what `serialize` produced. */
  deserialize(text: string): unknown;
}

/** Marker key of the tagged objects that carry `Date`, `Buffer`, `Uint8Array` and `bigint` through JSON. */
const MARK = '\u0000t';
/** How `MARK` appears in JSON text (JSON.stringify escapes U+0000). */
const MARK_IN_TEXT = '"\\u0000t"';

function where(holder: unknown, key: string): string {
  if (key === '') return 'the value';
  return Array.isArray(holder) ? `index ${key}` : `property ${JSON.stringify(key)}`;
}

function refuse(what: string, holder: unknown, key: string, hint = ''): never {
  throw new TypeError(`Cannot serialise ${what} (at ${where(holder, key)})${hint}`);
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `value` went through toJSON already (a Date is a string by now); `raw` is the original.
  const raw = this[key];
  switch (typeof raw) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(raw)) refuse(String(raw), this, key, ': JSON would store null');
      return value;
    case 'bigint':
      return { [MARK]: 'bigint', v: raw.toString() };
    case 'undefined':
      if (Array.isArray(this)) refuse('undefined in an array', this, key, ': JSON would store null');
      return undefined; // an undefined property is omitted, as JSON does (reads see it as absent either way)
    case 'function':
      return refuse('a function', this, key);
    case 'symbol':
      return refuse('a symbol', this, key);
    default: {
      if (raw === null || Array.isArray(raw)) return value;
      if (raw instanceof Date) {
        if (Number.isNaN(raw.getTime())) refuse('an invalid Date', this, key);
        return { [MARK]: 'Date', v: raw.toISOString() };
      }
      if (raw instanceof Uint8Array) {
        const b = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        return { [MARK]: Buffer.isBuffer(raw) ? 'Buffer' : 'Uint8Array', v: b.toString('base64') };
      }
      const proto = Object.getPrototypeOf(raw) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const name = (raw as { constructor?: { name?: string } }).constructor?.name ?? 'an object with a prototype';
        refuse(
          `a ${name}`,
          this,
          key,
          ': only plain objects, arrays, Date, Buffer/Uint8Array and bigint are kept by the JSON serializer; pass a `serializer` for other types',
        );
      }
      if (Object.hasOwn(raw as object, MARK)) refuse('an object with the reserved key "\\u0000t"', this, key);
      return value;
    }
  }
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, MARK)) return value;
  const { [MARK]: type, v } = value as Record<string, string>;
  switch (type) {
    case 'Date':
      return new Date(v as string);
    case 'Buffer':
      return Buffer.from(v as string, 'base64');
    case 'Uint8Array': {
      const b = Buffer.from(v as string, 'base64');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    case 'bigint':
      return BigInt(v as string);
    default:
      throw new TypeError(`Unknown tagged type ${JSON.stringify(type)} in a stored value`);
  }
}

/**
 * The default {@link Serializer}: JSON that keeps `Date`, `Buffer`, `Uint8Array` and `bigint` (as tagged
 * objects, decoded back to the same types) and **refuses** what JSON would silently mangle: functions,
 * symbols, `NaN`/`±Infinity`, `undefined` inside arrays, invalid dates, `Map`/`Set`/class instances, and
 * cycles (the `TypeError` names the offending property). A property whose value is `undefined` is omitted,
 * as `JSON.stringify` does. Plain values (no tagged types) cost one `JSON.parse` to read.
 *
 * @example
 * ```ts
 * import { jsonSerializer } from '@scaling/cache-redis';
 * const text = jsonSerializer.serialize({ at: new Date(0), n: 10n });
 * jsonSerializer.deserialize(text); // { at: Date(1970-01-01T00:00:00.000Z), n: 10n }
 * ```
 */
export const jsonSerializer: Serializer = {
  serialize(value) {
    return JSON.stringify(value, replacer) as string;
  },
  deserialize(text) {
    return text.includes(MARK_IN_TEXT) ? JSON.parse(text, reviver) : JSON.parse(text);
  },
};
