import type { Endpoint } from '@scaling/load-balancer';

/** One upstream of a balanced dispatcher: its origin (also its `id`) and optional weight (default 1). */
export interface HttpEndpoint extends Endpoint {
  /** The normalised origin, e.g. `http://10.0.0.1:8080`; equal to `origin`. */
  readonly id: string;
  /** The normalised origin. */
  readonly origin: string;
  /** Relative capacity, a finite number > 0. Default 1. */
  readonly weight?: number;
}

/** How an endpoint is given: an origin string (`"http://10.0.0.1:8080"`) or `{ origin, weight }`. */
export type HttpEndpointInput =
  | string
  | {
      /** The origin, e.g. `http://10.0.0.1:8080` (scheme, host, port; no path, query or credentials). */
      readonly origin: string;
      /** Relative capacity, a finite number > 0. Default 1. */
      readonly weight?: number;
    };

/** What {@link BalancedDispatcherOptions.isFailure} sees: the response status, or the attempt's error. */
export interface AttemptResult {
  /** The response status, when a response arrived. */
  readonly statusCode?: number;
  /** The error of the attempt (connect error, reset, timeout), when it failed without a response. */
  readonly error?: Error;
}

/** Counters of one endpoint, since it was added (see {@link BalancedDispatcher.stats}). */
export interface EndpointStats {
  /** Attempts sent to the endpoint. */
  requests: number;
  /** Attempts that counted as failures. */
  failures: number;
  /** Attempts that were retries of an earlier attempt. */
  retries: number;
  /** Times the outlier detector ejected the endpoint (after its decay; 0 without outlier detection). */
  ejections: number;
}

/** What a discovery callback may return: the endpoint list, or the list and how long it is valid (ms). */
export type DiscoveryAnswer =
  | readonly HttpEndpointInput[]
  | {
      /** The endpoint list. */
      readonly endpoints: readonly HttpEndpointInput[];
      /** When to ask again, ms (e.g. the DNS records' TTL); at least 1 000. Default `discoverIntervalMs`. */
      readonly ttlMs?: number;
    };
