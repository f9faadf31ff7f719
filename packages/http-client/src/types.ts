// The public shapes of a balanced dispatcher: endpoints and their inputs, attempt results, stats, events,
// trace context, discovery answers and the health-check and hedging options.
import type { Histogram } from '@scaling/core';
import type { Endpoint } from '@scaling/load-balancer';
import type { RetryBudget } from '@scaling/resilience';

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

/** Counters and gauges of one endpoint, since it was added (see {@link BalancedDispatcherStats.endpoints}). */
export interface EndpointStats {
  /** Attempts sent to the endpoint (first attempts, retries and hedges; counter). */
  requests: number;
  /** Attempts that counted as failures (counter). */
  failures: number;
  /** Attempts that were retries of an earlier attempt (counter). */
  retries: number;
  /** Attempts that were hedges (counter). */
  hedges: number;
  /**
   * Times the endpoint left rotation since it joined — ejected by outlier detection or failed by its active
   * health check (counter: it never decreases).
   */
  ejections: number;
  /** Attempts in flight on the endpoint (gauge). */
  active: number;
  /** Whether the active health check passes (gauge; `true` without health checks). */
  healthy: boolean;
  /**
   * Whether the endpoint is out of rotation: ejected or on probation by outlier detection, or failing its
   * active health check (gauge).
   */
  ejected: boolean;
  /** Latency of the attempts that ended with an outcome, to the end of the response body, ms (a copy). */
  requestDuration: Histogram;
}

/**
 * A {@link BalancedDispatcher.stats} snapshot, in the `stats()` shape every `@scaling/*` object shares:
 * counters since construction, gauges, `requestDuration` in ms and a per-endpoint breakdown. Counters add
 * up: `requests === completed + failed + aborted + active`, and `attempts`, `retries`, `hedges` are the sums
 * of the endpoints' `requests`, `retries`, `hedges` (while no endpoint was removed).
 */
export interface BalancedDispatcherStats {
  /** Requests dispatched (counter). */
  requests: number;
  /** Requests whose response body ended (counter; any status). */
  completed: number;
  /** Requests that ended with an error: `EndpointsFailedError`, or a body error after the headers (counter). */
  failed: number;
  /** Requests the caller aborted (counter). */
  aborted: number;
  /** Requests in flight (gauge). */
  active: number;
  /** Attempts sent, all endpoints (counter). */
  attempts: number;
  /** Attempts that were retries (counter). */
  retries: number;
  /** Attempts that were hedges (counter). */
  hedges: number;
  /** Requests whose response came from a hedge (counter). */
  hedgeWins: number;
  /** Retries and hedges the retry budget refused (counter). */
  budgetExhausted: number;
  /** Discovery calls that failed, the last good list kept (counter). */
  discoveryErrors: number;
  /** The hedging delay in effect, ms (gauge; 0 without hedging). */
  delayMs: number;
  /** Duration of the requests that ended (completed or failed), to the end of the body, ms (a copy). */
  requestDuration: Histogram;
  /** Per endpoint, keyed by origin. */
  endpoints: Record<string, EndpointStats>;
}

/** Events of a {@link BalancedDispatcher} (also on `node:diagnostics_channel` as `scaling:http-client:<event>`). */
export type BalancedDispatcherEvents = {
  /** A retry was sent after a failed attempt. */
  retry: {
    /** The endpoint the retry goes to. */
    origin: string;
    /** The endpoint of the failed attempt. */
    previous: string;
    /** The attempt number of the retry (2 for the first retry). */
    attempt: number;
    /** Why the previous attempt failed. */
    error: Error;
  };
  /** A hedge was sent because no response headers arrived within the hedging delay. */
  hedge: {
    /** The endpoint the hedge goes to. */
    origin: string;
    /** The attempt number of the hedge. */
    attempt: number;
    /** The hedging delay that ran out, ms. */
    delayMs: number;
  };
  /** The retry budget refused a retry or a hedge. */
  budgetExhausted: {
    /** What was refused. */
    kind: 'retry' | 'hedge';
    /** The endpoint of the attempt that would have been retried or hedged. */
    origin: string;
  };
  /** An endpoint left rotation: outlier detection ejected it, or its active health check turned unhealthy. */
  ejected: {
    /** The endpoint. */
    origin: string;
    /** Which health source. */
    source: 'outlierDetection' | 'healthCheck';
    /** The outlier detection rule (`consecutive-failures`, …) or the failed check's output. */
    reason: string;
  };
  /** An endpoint is back: its outlier probe succeeded, or its active health check turned healthy. */
  returned: {
    /** The endpoint. */
    origin: string;
    /** Which health source let it go. */
    source: 'outlierDetection' | 'healthCheck';
  };
  /** The endpoint list changed ({@link BalancedDispatcher.setEndpoints} or discovery). */
  endpointsChanged: {
    /** Origins added (a changed weight counts as removed and added). */
    added: string[];
    /** Origins removed. */
    removed: string[];
    /** The whole list now. */
    endpoints: string[];
  };
  /** A discovery call failed; the last good list is kept. */
  discoveryError: {
    /** What the discovery source threw, or why its answer was rejected. */
    error: unknown;
  };
};

/**
 * The context object published on the tracing channel `scaling:http-client:request` (`start`, `end`,
 * `asyncStart`, `asyncEnd`, `error`) for each balanced request. Fields are filled in as the request runs.
 */
export interface BalancedRequestTrace {
  /** The request method. */
  method: string;
  /** The request path (with query). */
  path: string;
  /** The logical origin of the request URL (not an endpoint). */
  origin: string;
  /** The endpoint whose response reached the caller (or of the last attempt). */
  endpoint?: string;
  /** Attempts made. */
  attempts: number;
  /** The response status, once headers arrived. */
  statusCode?: number;
  /** The error the request ended with (on `error`). */
  error?: Error;
}

/** Active health checks of every endpoint (see {@link BalancedDispatcherOptions.healthCheck}). */
export interface BalancedHealthCheckOptions {
  /** Path requested on each endpoint, starting with `/`. Default `'/healthz'`. */
  path?: string;
  /** Method of the check request. Default `'GET'`. */
  method?: string;
  /** Extra headers of the check request. */
  headers?: Record<string, string>;
  /** Inclusive range of passing status codes. Default `[200, 399]`. */
  expectStatus?: readonly [min: number, max: number];
  /** Time between checks of one endpoint, ms. Default 5 000. */
  intervalMs?: number;
  /** Time between checks of an unhealthy endpoint, ms. Default `intervalMs`. */
  unhealthyIntervalMs?: number;
  /** A check not answered within this is a failure, ms. Default 1 000. */
  timeoutMs?: number;
  /** Consecutive failures that take an endpoint out of rotation. Default 2. */
  unhealthyThreshold?: number;
  /** Consecutive passes that bring it back. Default 2. */
  healthyThreshold?: number;
  /** Random delay added to each interval, ms (spreads the checks of many clients). Default 0. */
  jitterMs?: number;
}

/** Hedging settings (see {@link BalancedDispatcherOptions.hedge}). */
export interface BalancedHedgeOptions {
  /**
   * Send a hedge when no response headers arrived after this: a fixed delay in ms, or
   * `{ quantile, initialMs, minSamples? }` — the quantile (e.g. 0.95) of the time to headers of recent
   * winning attempts, `initialMs` until `minSamples` (default 32, at most 512) were seen. Required.
   */
  delay:
    | number
    | {
        /** The latency quantile used as the delay, in (0, 1] (e.g. 0.95). */
        quantile: number;
        /** The delay until `minSamples` latencies were recorded, ms. */
        initialMs: number;
        /** Winning attempts to record before the quantile is used (1–512). Default 32. */
        minSamples?: number;
      };
  /** Hedges per request at most. Default 1. */
  maxHedges?: number;
  /**
   * The retry budget hedges draw from (a hedge is a retry for the budget), or `false` for none. Default the
   * dispatcher's `retry.budget` (a fresh `concurrencyBudget()` when `retry` is `false`).
   */
  budget?: RetryBudget | false;
  /**
   * What happens to an attempt its hedged twin beat. `'drain'` (default): it runs to its end, its body is
   * read and discarded, and its lease is released then with its whole latency — the connection stays open
   * for the next request (aborting an HTTP/1.1 response closes its connection, so a loaded upstream then
   * also pays new handshakes) and the balancer learns the loser's true latency. It is still bounded by
   * `attemptTimeoutMs` (until its headers) and the pool's `headersTimeout`/`bodyTimeout`. `'abort'`: it is
   * aborted at once (the balancer hears the time taken so far); prefer it for large or streaming bodies.
   */
  loser?: 'drain' | 'abort';
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
