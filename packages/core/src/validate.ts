/**
 * Argument checks shared by every package, so bad options fail at the boundary with one message shape:
 * "Expected `name` to be …, got …".
 */

/** Renders a received value for an error message (strings quoted, objects by type). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return `an object`;
}

/**
 * @throws {TypeError} when `value` is not a number; {@link RangeError} when it is not a positive integer
 * (≥ 1, no NaN/Infinity/fractions).
 */
export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`Expected \`${name}\` to be a positive integer, got ${describeValue(value)}`);
}

/** @throws {TypeError}/{@link RangeError} unless `value` is an integer ≥ 0. */
export function assertNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`Expected \`${name}\` to be a non-negative integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`Expected \`${name}\` to be a non-negative integer, got ${describeValue(value)}`);
}

/** @throws {TypeError}/{@link RangeError} unless `value` is a finite number ≥ 0. */
export function assertNonNegativeFinite(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`Expected \`${name}\` to be a non-negative number, got ${describeValue(value)}`);
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`Expected \`${name}\` to be a non-negative finite number, got ${describeValue(value)}`);
}

/** @throws {TypeError}/{@link RangeError} unless `value` is a finite number > 0. */
export function assertPositiveFinite(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`Expected \`${name}\` to be a positive number, got ${describeValue(value)}`);
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`Expected \`${name}\` to be a positive finite number, got ${describeValue(value)}`);
}

/**
 * Renders the interval `[min, max]` for a message; a bound of ±`Number.MIN_VALUE` (the way to exclude 0) is
 * shown as an open bound at 0: `[Number.MIN_VALUE, 1]` is "(0, 1]".
 */
function describeRange(min: number, max: number): string {
  const lower = min === Number.MIN_VALUE ? '(0' : `[${min}`;
  const upper = max === -Number.MIN_VALUE ? '0)' : `${max}]`;
  return `${lower}, ${upper}`;
}

/**
 * @throws {TypeError}/{@link RangeError} unless `value` is a finite number in [min, max]. Pass
 *   `Number.MIN_VALUE` as `min` for "greater than 0": the message then says "(0, max]".
 */
export function assertInRange(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number')
    throw new TypeError(`Expected \`${name}\` to be a number in ${describeRange(min, max)}, got ${describeValue(value)}`);
  if (!(value >= min && value <= max))
    throw new RangeError(`Expected \`${name}\` to be a number in ${describeRange(min, max)}, got ${describeValue(value)}`);
}

/** @throws {TypeError} unless `value` is a function. */
export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
}
