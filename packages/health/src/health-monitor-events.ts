import type { HealthMonitor } from './health-monitor.js';
import type { HealthStatus } from './health-report.js';

/** Payload of the `change` event: a check's reported status changed. */
export interface CheckStatusChange {
  /** The check's name. */
  name: string;
  /** The check's new reported status (after hysteresis and criticality). */
  status: HealthStatus;
  /** The check's reported status before this change. */
  previous: HealthStatus;
  /** Whether the check is healthy after hysteresis (a non-critical unhealthy check reports `warn`). */
  healthy: boolean;
}

/** Payload of the `status` event: the aggregate status changed. */
export interface AggregateStatusChange {
  /** The new aggregate status (the worst reported status of all checks). */
  status: HealthStatus;
  /** The aggregate status before this change. */
  previous: HealthStatus;
}

/** Payload of the `result` event: one run finished (before hysteresis). */
export interface CheckRunResult {
  /** Name of the check that ran. */
  name: string;
  /** Raw status of this run. */
  status: HealthStatus;
  /** Run time in ms (by the monitor's clock). */
  durationMs: number;
  /**
   * True when the run was cut off by `timeoutMs`, or when this result is a further failure charged to a
   * run still outstanding past its deadline (then `durationMs` is how long it has been running).
   */
  timedOut: boolean;
  /** Detail of this run: the check's `output`, or the error message of a failed or timed-out run. */
  output?: string;
}

/**
 * Events of a {@link HealthMonitor} (payload per event; also published on `node:diagnostics_channel` as
 * `scaling:health:<event>`).
 */
export type HealthMonitorEvents = {
  /** A check's reported status changed. */
  change: CheckStatusChange;
  /** The aggregate status changed. */
  status: AggregateStatusChange;
  /** A run finished (emitted for every run). */
  result: CheckRunResult;
};

export const MONITOR_EVENTS: readonly (keyof HealthMonitorEvents)[] = ['change', 'status', 'result'];
