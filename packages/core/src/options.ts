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

/**
 * The name in `names` that `key` looks like a misspelling of, or `undefined`: for objects that may carry keys
 * of their own (endpoints, strategy objects), where unknown keys cannot all be errors but a typo of a known
 * one (`wieght`, `weigth`, `Weight`, `onAdded`) must not be silently ignored. Compared case-insensitively,
 * without a leading `on` or underscores; a near miss is an optimal-string-alignment (Damerau–Levenshtein)
 * distance of 1 (2 for names of 6 letters or more) with the same first letter, so `height` is not `weight`.
 */
export function nearMissOf(key: string, names: readonly string[]): string | undefined {
  if (names.includes(key)) return undefined;
  const k = normalName(key);
  for (const name of names) {
    const n = normalName(name);
    if (k === n) return name;
    if (k.length === 0 || n.length === 0 || k[0] !== n[0]) continue;
    if (osaDistance(k, n) <= (n.length >= 6 ? 2 : 1)) return name;
  }
  return undefined;
}

/**
 * Throws when an own key of `value` (or a method of its class) is a near miss ({@link nearMissOf}) of a name
 * in `names` that `value` does not have.
 * @param where - what `value` is, for the message (e.g. `'endpoint'`, `'strategy'`).
 * @throws {TypeError} `Unknown key \`wieght\` in endpoint (did you mean \`weight\`?)`.
 */
export function assertNoNearMiss(where: string, value: object, names: readonly string[]): void {
  for (let o: object | null = value; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor') continue;
      const name = nearMissOf(key, names);
      if (name !== undefined && (value as Record<string, unknown>)[name] === undefined) {
        throw new TypeError(`Unknown key \`${key}\` in ${where} (did you mean \`${name}\`?)`);
      }
    }
  }
}

function normalName(s: string): string {
  let k = s.toLowerCase().replaceAll('_', '');
  if (k.length > 3 && k.startsWith('on')) k = k.slice(2);
  return k;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function osaDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) row.push(i === 0 ? j : 0);
    d.push(row);
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      let v = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
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
