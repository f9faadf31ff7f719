import type { Clock, RandomSource } from '@scaling/core';
import type { HealthCheckDefinition } from './health-check.js';
import type { HealthMonitor } from './health-monitor.js';

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** The checks (more can be added with {@link HealthMonitor.add}). */
  checks?: readonly HealthCheckDefinition[];
  /** Time source and timers. Default `systemClock`. */
  clock?: Clock;
  /** Random source for jitter. Default `Math.random`. */
  random?: RandomSource;
  /** Wall clock (epoch ms) for the reports' `time` fields. Default `Date.now`. */
  wallClock?: () => number;
  /** IETF `serviceId` of the report. */
  serviceId?: string;
  /** IETF `version` of the report. */
  version?: string;
  /** IETF `releaseId` of the report. */
  releaseId?: string;
  /** IETF `description` of the report. */
  description?: string;
}

/** The option keys of {@link HealthMonitorOptions}. */
export const MONITOR_KEYS = ['checks', 'clock', 'random', 'wallClock', 'serviceId', 'version', 'releaseId', 'description'];
/** Hints for option names from other health libraries. */
export const MONITOR_HINTS: Record<string, string> = {
  healthChecks: 'pass `checks: [{ name, check }]` (terminus `healthChecks`)',
  interval: 'set `intervalMs` on each check',
  intervalMs: 'set `intervalMs` on each check',
  timeout: 'set `timeoutMs` on each check',
  timeoutMs: 'set `timeoutMs` on each check',
  name: 'use `serviceId`',
};
