// The errors a balanced dispatcher throws: `EndpointsFailedError` (`ERR_ENDPOINTS_FAILED`).
import { ScalingError } from '@scaling/core';

/**
 * A request failed before any response reached the caller, on every endpoint tried (connect errors,
 * attempt timeouts, failure statuses that were retried, no endpoint left, or the total timeout): code
 * `ERR_ENDPOINTS_FAILED`. `tried` names the endpoints in the order they were tried (empty when no endpoint
 * could be picked at all); `cause` is the last attempt's error.
 *
 * @example
 * ```ts
 * import { isScalingError } from '@scaling/core';
 * import { EndpointsFailedError } from '@scaling/http-client';
 * const e = new EndpointsFailedError(['http://127.0.0.1:1'], new Error('ECONNREFUSED'));
 * console.log(isScalingError(e, 'ERR_ENDPOINTS_FAILED'), e.tried); // true [ 'http://127.0.0.1:1' ]
 * ```
 */
export class EndpointsFailedError extends ScalingError {
  /** Endpoint origins tried, in order (an origin appears once). */
  readonly tried: readonly string[];
  /**
   * @param tried - the endpoint origins tried.
   * @param cause - the last attempt's error, if any.
   */
  constructor(tried: readonly string[], cause?: unknown) {
    const last = cause instanceof Error ? `: ${cause.message}` : '';
    const message =
      tried.length === 0
        ? `No endpoint available for the request${last}`
        : `Request failed on every endpoint tried (${tried.join(', ')})${last}`;
    super('ERR_ENDPOINTS_FAILED', message, cause === undefined ? undefined : { cause });
    this.tried = Object.freeze([...tried]);
  }
  /** `'EndpointsFailedError'`. */
  override get name(): string {
    return 'EndpointsFailedError';
  }
}
