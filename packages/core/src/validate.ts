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

/** @throws {TypeError}/{@link RangeError} unless `value` is a finite number in [min, max]. */
export function assertInRange(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number')
    throw new TypeError(`Expected \`${name}\` to be a number in [${min}, ${max}], got ${describeValue(value)}`);
  if (!(value >= min && value <= max))
    throw new RangeError(`Expected \`${name}\` to be a number in [${min}, ${max}], got ${describeValue(value)}`);
}

/** @throws {TypeError} unless `value` is a function. */
export function assertFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
}
