/**
 * What a health check is: the function, what it may resolve to, and its per-check settings.
 */
import type { HealthMonitor } from './health-monitor.js';
import type { HealthStatus, ProbeKind } from './health-report.js';

/**
 * What a check may resolve to. `undefined`/`true`/any other value means `pass`; `false` means `fail`;
 * an object with a `status` gives the status and the details (no `status` means `pass`). A `status`
 * other than `'pass'`, `'warn'` or `'fail'` is a `fail` whose `output` names the bad status (a typo must
 * not pass silently). A thrown error or a rejection is a `fail` whose `output` is the error message.
 *
 * (This is a check's result in the IETF report's terms, not a request `Outcome` (`@scaling/core`).)
 */
export interface CheckOutcome {
  /** The run's status. Default `'pass'`; a value other than `'pass'`/`'warn'`/`'fail'` counts as `fail`. */
  status?: HealthStatus;
  /** Measured value, e.g. a latency or a connection count. */
  observedValue?: unknown;
  /** Unit of `observedValue` (e.g. `ms`, `percent`). */
  observedUnit?: string;
  /** Human-readable detail. */
  output?: string;
}

/**
 * A health check. It receives an `AbortSignal` that is aborted when the check runs past its `timeoutMs`
 * (or the monitor stops); it returns or resolves a {@link CheckOutcome} (or nothing), or throws.
 */
export type CheckFunction = (signal: AbortSignal) => unknown;

/** One named check of a {@link HealthMonitor}. All times in milliseconds. */
export interface HealthCheckDefinition {
  /** Unique name of the check; also its report key unless `key` is given. */
  name: string;
  /** The check itself (see {@link CheckFunction}). */
  check: CheckFunction;
  /** IETF `checks` key, `component:measurement` (e.g. `postgres:responseTime`). Default: `name`. */
  key?: string;
  /** IETF `componentId`. Default: `name`. */
  componentId?: string;
  /** IETF `componentType` (`datastore`, `component`, `system`, …). */
  componentType?: string;
  /** Delay between the end of one run and the start of the next while healthy. Default 10,000 ms. */
  intervalMs?: number;
  /** The same while unhealthy (unhealthy targets keep being probed so they can recover). Default: `intervalMs`. */
  unhealthyIntervalMs?: number;
  /** Deadline of one run: the signal is aborted and the run counts as one failure. Default 5,000 ms. */
  timeoutMs?: number;
  /** Consecutive successes needed to turn healthy (rise). Default 2. */
  healthyThreshold?: number;
  /** Consecutive failures needed to turn unhealthy (fall). Default 3. */
  unhealthyThreshold?: number;
  /** Up to this much random delay is added to each interval, to spread checks out. Default 0 ms. */
  jitterMs?: number;
  /** Status before the first threshold is reached. Default `'fail'` (not ready until proven healthy). */
  initialStatus?: HealthStatus;
  /** When false, an unhealthy check degrades the aggregate to `warn` instead of `fail`. Default true. */
  critical?: boolean;
  /** The Kubernetes probes this check takes part in. Default `['readiness']` (dependencies must not fail liveness). */
  probes?: readonly ProbeKind[];
}
