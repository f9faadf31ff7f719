/**
 * The vocabulary and options of an {@link OutlierDetector}: targets, ejection reasons, states, events, and
 * the Envoy settings it takes.
 */
import type { Clock, Outcome } from '@scaling/core';
import type { OutlierDetector } from './outlier-detector.js';

/**
 * Where ejections go: anything with `setHealthy(id, healthy)`, such as a `@scaling/load-balancer`
 * `LoadBalancer` (duck-typed, so no import is needed).
 */
export interface OutlierTarget {
  /** Marks endpoint `id` healthy (`true`, back in rotation) or unhealthy (`false`, ejected). */
  setHealthy(id: string, healthy: boolean): void;
}

/**
 * The outcome of one request to an endpoint: core's `Outcome` (`@scaling/core`).
 * @deprecated Use `Outcome` from `@scaling/core` (the same shape; `ok` may now be omitted for "no outcome").
 */
export type RequestOutcome = Outcome;

/** Payload of the `eject` event. */
export interface EjectionEvent {
  /** The endpoint ejected. */
  id: string;
  /** Which detection rule (or failed probe) caused the ejection. */
  reason: EjectionReason;
  /** How long this ejection lasts, in milliseconds. */
  ejectionTimeMs: number;
}

/** Events of an {@link OutlierDetector} (also on `node:diagnostics_channel` as `scaling:health:<event>`). */
export type OutlierDetectorEvents = {
  /** An endpoint was ejected (after `target.setHealthy(id, false)`). */
  eject: EjectionEvent;
  /** An endpoint is back in rotation for good: its probe succeeded. */
  return: {
    /** The endpoint returned to rotation. */
    id: string;
  };
};

/**
 * A snapshot of an {@link OutlierDetector} (`stats()`): counters since creation and gauges now. The counters add
 * up: `ejections = ejectionsBy.consecutiveFailures + ejectionsBy.failurePercentage + ejectionsBy.successRate +
 * ejectionsBy.probeFailed`, and `ejections − ejectionsBy.probeFailed = returns + released + ejected`.
 */
export interface OutlierDetectorStats {
  /** Gauge: endpoints tracked. */
  size: number;
  /** Gauge: endpoints out of rotation or on probation now (as {@link OutlierDetector.ejectedCount}). */
  ejected: number;
  /** Successful outcomes recorded. */
  successes: number;
  /** Failed outcomes recorded. */
  failures: number;
  /** Ejections, re-ejections after a failed probe included (Envoy `ejections_enforced_total`). */
  ejections: number;
  /** Ejections by reason. */
  ejectionsBy: {
    /** `consecutiveFailures` failures in a row. */
    consecutiveFailures: number;
    /** Failure percentage over the threshold in an interval. */
    failurePercentage: number;
    /** Success-rate outlier in an interval. */
    successRate: number;
    /** A probe failed or timed out after an ejection ended. */
    probeFailed: number;
  };
  /** Ejections skipped because `maxEjectionPercent` endpoints were out already (Envoy `ejections_overflow`). */
  ejectionsOverflow: number;
  /** Endpoints back in rotation for good after a successful probe (the `return` event). */
  returns: number;
  /** Ejected or probing endpoints let go without a probe: by `stop()` or `remove()`. */
  released: number;
  /** Per endpoint id. */
  endpoints: Record<string, OutlierEndpointStats>;
}

/** One endpoint in {@link OutlierDetectorStats}. */
export interface OutlierEndpointStats {
  /** `healthy`, `ejected` or `probing` (as {@link OutlierDetector.stateOf}). */
  state: OutlierState;
  /** Gauge: whether the endpoint is ejected now (state `ejected`). */
  ejected: boolean;
  /** Successful outcomes recorded for the endpoint. */
  successes: number;
  /** Failed outcomes recorded for the endpoint. */
  failures: number;
  /** Times the endpoint was ejected. */
  ejections: number;
  /**
   * Gauge: successes / (successes + failures) in the current analysis interval, in [0, 1]; absent when it had
   * no outcome yet.
   */
  successRate?: number;
}

/** Why an endpoint was ejected. */
export type EjectionReason = 'consecutive-failures' | 'failure-percentage' | 'success-rate' | 'probe-failed';

/** State of one endpoint in an {@link OutlierDetector}. */
export type OutlierState = 'healthy' | 'ejected' | 'probing';

/** Envoy `success_rate_*` settings: eject endpoints whose success rate is below mean − `stdevFactor` × stdev. */
export interface SuccessRateOptions {
  /** Endpoints with at least `requestVolume` requests in the interval needed to compute the statistics. Default 5. */
  minimumHosts?: number;
  /** Requests an endpoint needs in the interval to be included. Default 100. */
  requestVolume?: number;
  /** k in mean − k·stdev. Default 1.9 (Envoy's `success_rate_stdev_factor` 1900 / 1000). */
  stdevFactor?: number;
}

/** Envoy `failure_percentage_*` settings: eject endpoints whose failure percentage reaches `threshold`. */
export interface FailurePercentageOptions {
  /** Failure percentage (0–100) at or above which an endpoint is ejected. Default 85. */
  threshold?: number;
  /** Endpoints with at least `requestVolume` requests needed before any is judged. Default 5. */
  minimumHosts?: number;
  /** Requests an endpoint needs in the interval to be judged. Default 50. */
  requestVolume?: number;
}

/** Options of {@link OutlierDetector}. All times in milliseconds. */
export interface OutlierDetectorOptions {
  /** Receives `setHealthy(id, false)` on ejection and `setHealthy(id, true)` when an endpoint returns. */
  target: OutlierTarget;
  /** Endpoint ids known up front (others are added on their first {@link OutlierDetector.record}). */
  endpoints?: readonly string[];
  /** Consecutive failures that eject an endpoint. Default 5 (Envoy `consecutive_5xx`); 0 disables. */
  consecutiveFailures?: number;
  /** Analysis window for success rate and failure percentage (Envoy `interval`). Default 10,000 ms. */
  intervalMs?: number;
  /** Ejection time = `baseEjectionTimeMs` × number of ejections of that endpoint. Default 30,000 ms. */
  baseEjectionTimeMs?: number;
  /** Cap on one ejection time. Default 300,000 ms. */
  maxEjectionTimeMs?: number;
  /** At most this percentage of endpoints is ejected at once, but at least one may be. Default 10. */
  maxEjectionPercent?: number;
  /** Success-rate outlier detection; `false` disables. Default on with Envoy's defaults. */
  successRate?: SuccessRateOptions | false;
  /** Failure-percentage ejection; `false` disables. Default on (threshold 85 %, 5 hosts, 50 requests). */
  failurePercentage?: FailurePercentageOptions | false;
  /**
   * A probe admitted through {@link OutlierDetector.admit} whose outcome is not recorded within this time
   * counts as failed (so a lost probe cannot keep an endpoint out for good). Default 10,000 ms.
   */
  probeTimeoutMs?: number;
  /**
   * Called after an endpoint is ejected.
   * @deprecated Use `detector.on('eject', ({ id, reason, ejectionTimeMs }) => …)`.
   */
  onEject?: (id: string, reason: EjectionReason, ejectionTimeMs: number) => void;
  /**
   * Called when an endpoint is back in rotation for good (its probe succeeded).
   * @deprecated Use `detector.on('return', ({ id }) => …)`.
   */
  onReturn?: (id: string) => void;
  /** Time source. Default `systemClock`. */
  clock?: Clock;
}

/** @internal */
export const DETECTOR_KEYS = [
  'target',
  'endpoints',
  'consecutiveFailures',
  'intervalMs',
  'baseEjectionTimeMs',
  'maxEjectionTimeMs',
  'maxEjectionPercent',
  'successRate',
  'failurePercentage',
  'probeTimeoutMs',
  'onEject',
  'onReturn',
  'clock',
];

/** Envoy's field names (snake_case and camelCase) → ours. */
/** @internal */
export const DETECTOR_HINTS: Record<string, string> = {
  consecutive_5xx: 'use `consecutiveFailures`',
  consecutive5xx: 'use `consecutiveFailures`',
  consecutive_gateway_failure: 'use `consecutiveFailures` (every failure you record counts)',
  interval: 'use `intervalMs` (milliseconds)',
  base_ejection_time: 'use `baseEjectionTimeMs` (milliseconds)',
  baseEjectionTime: 'use `baseEjectionTimeMs` (milliseconds)',
  max_ejection_time: 'use `maxEjectionTimeMs` (milliseconds)',
  maxEjectionTime: 'use `maxEjectionTimeMs` (milliseconds)',
  max_ejection_percent: 'use `maxEjectionPercent`',
  success_rate_minimum_hosts: 'use `successRate.minimumHosts`',
  successRateMinimumHosts: 'use `successRate.minimumHosts`',
  success_rate_request_volume: 'use `successRate.requestVolume`',
  successRateRequestVolume: 'use `successRate.requestVolume`',
  success_rate_stdev_factor: 'use `successRate.stdevFactor` (1.9, not 1900)',
  successRateStdevFactor: 'use `successRate.stdevFactor` (1.9, not 1900)',
  failure_percentage_threshold: 'use `failurePercentage.threshold`',
  failurePercentageThreshold: 'use `failurePercentage.threshold`',
  failure_percentage_minimum_hosts: 'use `failurePercentage.minimumHosts`',
  failure_percentage_request_volume: 'use `failurePercentage.requestVolume`',
  balancer: 'use `target`',
};

/** @internal */
export const SR_KEYS = ['minimumHosts', 'requestVolume', 'stdevFactor'];
/** @internal */
export const FP_KEYS = ['threshold', 'minimumHosts', 'requestVolume'];
