import { assertNonNegativeFinite, describeValue } from '@scaling/core/internal';

/**
 * Checks the lag and position fields of a replica sample or probe result: each is absent (unknown) or
 * a non-negative finite number.
 * @throws {TypeError}/{@link RangeError} naming the bad field.
 * @internal
 */
export function assertLagFields(sample: { lagMs?: number; lagBytes?: number; position?: number }): void {
  if (typeof sample !== 'object' || sample === null)
    throw new TypeError(`Expected \`sample\` to be an object, got ${describeValue(sample)}`);
  if (sample.lagMs !== undefined) assertNonNegativeFinite('lagMs', sample.lagMs);
  if (sample.lagBytes !== undefined) assertNonNegativeFinite('lagBytes', sample.lagBytes);
  if (sample.position !== undefined) assertNonNegativeFinite('position', sample.position);
}
