/** Socket errors from Node that mean the server cannot be reached or the connection broke. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean the server is going away or cannot serve yet (class 08 connection exceptions,
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections).
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** pg's own client errors carry no code; these messages mean the connection failed or ended. */
const MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|Connection closed|not queryable/i;

/**
 * True when `error` is a connection-level failure (the server is down, restarting or unreachable),
 * after which a read may be retried on another server; false for SQL errors.
 * @internal
 */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string') {
    if (SOCKET_CODES.has(e.code) || SERVER_CODES.has(e.code) || e.code.startsWith('08')) return true;
  }
  // AggregateError from a dual-stack connect attempt
  if (Array.isArray(e.errors) && e.errors.some(isConnectionError)) return true;
  return typeof e.message === 'string' && e.code === undefined && MESSAGES.test(e.message);
}
