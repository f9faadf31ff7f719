/**
 * PostgreSQL log sequence numbers (LSNs) as plain numbers: the textual form `X/Y` (two hexadecimal
 * 32-bit halves) is the byte offset `X × 2³² + Y` in the write-ahead log. A `number` holds it exactly up
 * to 2⁵³ bytes (8 PiB of WAL), so positions compare with `<` and subtract to byte lag.
 */

/**
 * Parses an LSN such as `'16/B374D848'` into its WAL byte offset.
 *
 * @throws {TypeError} when `lsn` is not a string; {@link RangeError} when it is not of the form `X/Y`.
 * @example
 * ```ts
 * import { parseLsn } from '@scaling/replica-router-pg';
 * parseLsn('1/0'); // 4294967296
 * ```
 */
export function parseLsn(lsn: string): number {
  if (typeof lsn !== 'string') throw new TypeError(`Expected \`lsn\` to be a string, got ${typeof lsn}`);
  const slash = lsn.indexOf('/');
  const hi = slash > 0 && slash <= 8 ? Number.parseInt(lsn.slice(0, slash), 16) : Number.NaN;
  const loText = lsn.slice(slash + 1);
  const lo = loText.length > 0 && loText.length <= 8 ? Number.parseInt(loText, 16) : Number.NaN;
  if (!/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(lsn) || Number.isNaN(hi) || Number.isNaN(lo))
    throw new RangeError(`Expected \`lsn\` to be a PostgreSQL LSN like "16/B374D848", got ${JSON.stringify(lsn)}`);
  return hi * 4294967296 + lo;
}

/**
 * Formats a WAL byte offset as PostgreSQL writes an LSN (`X/Y`, upper-case hexadecimal).
 *
 * @throws {RangeError} when `position` is not a non-negative safe integer.
 */
export function formatLsn(position: number): string {
  if (!Number.isSafeInteger(position) || position < 0)
    throw new RangeError(`Expected \`position\` to be a non-negative safe integer, got ${String(position)}`);
  const hi = Math.floor(position / 4294967296);
  const lo = position - hi * 4294967296;
  return `${hi.toString(16).toUpperCase()}/${lo.toString(16).toUpperCase()}`;
}
