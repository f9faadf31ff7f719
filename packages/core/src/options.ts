/**
 * The options-object check every `@scaling/*` constructor starts with: the value must be a plain
 * object, and every key must be one the constructor knows. Options from the libraries people migrate
 * from (lru-cache's `maxAge`, p-queue's `intervalCap`) are never silently ignored.
 */
import { describeValue } from './validate.js';

/** The hint for an own `__proto__` key (JSON.parse makes one; an object literal's `__proto__:` sets the prototype). */
const PROTO_HINT =
  'an own `__proto__` key, as JSON.parse makes from `"__proto__"`, is not an option and does not set a prototype: remove it';

/**
 * Checks that `options` is an object whose own enumerable keys are all in `known`.
 *
 * @param where - what the options configure, for the message (e.g. `'Cache options'`).
 * @param options - the value received; `undefined` is accepted when `optional` is true.
 * @param known - every accepted key.
 * @param hints - for keys users bring from other libraries: the key → a hint naming our option
 *   (e.g. `{ maxAge: 'use `ttl` (milliseconds)' }`).
 * @returns `options`, or `{}` when it was `undefined` and `optional` is true.
 * @throws {TypeError} when `options` is not an object (`Expected \`options\` to be an object, got …`),
 *   or when it has a key not in `known` (the message names the key and, where one exists, the hint; an own
 *   `__proto__` key, as from `JSON.parse`, is named as such).
 */
export function assertOptions<T extends object>(
  where: string,
  options: T | undefined,
  known: readonly string[],
  hints?: Readonly<Record<string, string>>,
  optional = false,
): T {
  if (options === undefined && optional) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Expected \`options\` of ${where} to be an object, got ${describeValue(options)}`);
  }
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    // own keys of `hints` only: `__proto__` or `constructor` must not find Object.prototype's
    const hint = hints !== undefined && Object.hasOwn(hints, key) ? hints[key] : key === '__proto__' ? PROTO_HINT : undefined;
    throw new TypeError(
      `Unknown option \`${key}\` in ${where}${hint === undefined ? '' : ` (${hint})`}; expected one of: ${known.map((k) => `\`${k}\``).join(', ')}`,
    );
  }
  return options;
}

/** The clock methods a component may call; {@link assertClock} checks exactly the ones it uses. */
export type ClockMethod = 'now' | 'setTimeout' | 'clearTimeout';

/**
 * Checks that `clock` has every method in `uses` (the ones the component actually calls).
 *
 * @throws {TypeError} naming `name` and the first missing method.
 */
export function assertClock(name: string, clock: unknown, uses: readonly ClockMethod[]): void {
  if (typeof clock !== 'object' || clock === null) {
    throw new TypeError(`Expected \`${name}\` to be a Clock, got ${describeValue(clock)}`);
  }
  for (const m of uses) {
    if (typeof (clock as Record<string, unknown>)[m] !== 'function') {
      throw new TypeError(`Expected \`${name}\` to be a Clock with a \`${m}()\` method, got an object without one`);
    }
  }
}

/** @throws {TypeError} unless `value` is a boolean. */
export function assertBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
}

/** @throws {TypeError} unless `value` is an `AbortSignal`-like object (`aborted` and `addEventListener`). */
export function assertSignal(name: string, value: unknown): asserts value is AbortSignal {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).addEventListener !== 'function' ||
    typeof (value as AbortSignal).aborted !== 'boolean'
  ) {
    throw new TypeError(`Expected \`${name}\` to be an AbortSignal, got ${describeValue(value)}`);
  }
}
