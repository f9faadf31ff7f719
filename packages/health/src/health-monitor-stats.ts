import type { Histogram } from '@scaling/core';
import type { HealthMonitor } from './health-monitor.js';
import type { HealthStatus } from './health-report.js';

/** Counters of one check, or of every check together, in {@link HealthMonitorStats}. */
export interface CheckRunStats {
  /** Results recorded: `passes + warnings + failures`. */
  runs: number;
  /** Runs that passed. */
  passes: number;
  /** Runs that returned `warn`. */
  warnings: number;
  /** Runs that failed: errors, `false`, an invalid status, timeouts (and each further charge to a hung run). */
  failures: number;
  /** Failures that were timeouts (a subset of `failures`). */
  timeouts: number;
  /** Changes of a check's reported status (`change` events). */
  transitions: number;
}

/** One check in {@link HealthMonitorStats}. */
export interface CheckStats extends CheckRunStats {
  /** The check's reported status (after hysteresis and criticality): `pass`, `warn` or `fail`. */
  status: HealthStatus;
  /** Gauge: healthy after hysteresis. */
  healthy: boolean;
  /** Gauge: duration of the latest result, in ms (0 before the first). */
  lastDurationMs: number;
}

/**
 * A snapshot of a {@link HealthMonitor} (`stats()`). Counters since creation (a removed check's runs stay
 * counted): `runs = passes + warnings + failures`; with no check removed, each top-level counter is the sum
 * of the checks' counters.
 */
export interface HealthMonitorStats extends CheckRunStats {
  /** The aggregate status (as {@link HealthMonitor.status}). */
  status: HealthStatus;
  /** Gauge: between `start()` and `stop()`. */
  running: boolean;
  /** Gauge: as {@link HealthMonitor.started}. */
  started: boolean;
  /** Changes of the aggregate status (`status` events). */
  statusChanges: number;
  /** Duration of every result, in ms (a hung run's later charges included): a copy. */
  runDuration: Histogram;
  /** Per check name. */
  checks: Record<string, CheckStats>;
}

/** Counters at zero. */
export function zeroCounts(): CheckRunStats {
  return { runs: 0, passes: 0, warnings: 0, failures: 0, timeouts: 0, transitions: 0 };
}

/** Counts one result into `c`. */
export function countResult(c: CheckRunStats, status: HealthStatus, timedOut: boolean): void {
  c.runs++;
  if (status === 'pass') c.passes++;
  else if (status === 'warn') c.warnings++;
  else c.failures++;
  if (timedOut) c.timeouts++;
}
