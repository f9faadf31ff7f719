/**
 * Types of the IETF "Health Check Response Format for HTTP APIs" (draft-inadarei-api-health-check),
 * served as `application/health+json`.
 */

/** A health status: `pass` (healthy), `warn` (healthy with concerns), `fail` (unhealthy). */
export type HealthStatus = 'pass' | 'warn' | 'fail';

/** The Kubernetes probe a check takes part in (`livenessProbe`, `readinessProbe`, `startupProbe`). */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** The media type of a health report (IETF draft-inadarei-api-health-check, section 3). */
export const HEALTH_CONTENT_TYPE = 'application/health+json';

/**
 * One entry of the `checks` object of a {@link HealthReport}: the latest known state of one component
 * instance, after rise/fall hysteresis.
 */
export interface HealthCheckEntry {
  /** Unique id of the component instance (defaults to the check's name). */
  readonly componentId: string;
  /** Kind of component, e.g. `datastore`, `component`, `system` (omitted when not given). */
  readonly componentType?: string;
  /** The check's status after hysteresis (`fail` of a non-critical check is reported as `warn`). */
  readonly status: HealthStatus;
  /** ISO 8601 wall-clock time of the latest result (omitted before the first run). */
  readonly time?: string;
  /** The value measured by the latest run, e.g. a latency in ms. */
  readonly observedValue?: unknown;
  /** Unit of `observedValue`, e.g. `ms`. */
  readonly observedUnit?: string;
  /** Error text of the latest failed run (omitted on pass). */
  readonly output?: string;
}

/**
 * A health report in the IETF draft shape: the aggregate `status` (the worst of its checks) and
 * `checks` keyed `component:measurement` (e.g. `postgres:responseTime`), each an array of
 * {@link HealthCheckEntry} (one per component instance).
 */
export interface HealthReport {
  /** Aggregate status: the worst status of the checks (`pass` with no checks). */
  readonly status: HealthStatus;
  /** The service's public version (from the monitor's `version` option; omitted when not set). */
  readonly version?: string;
  /** The service's release id, e.g. a build or commit id (from the `releaseId` option; omitted when not set). */
  readonly releaseId?: string;
  /** Unique id of the service (from the `serviceId` option; omitted when not set). */
  readonly serviceId?: string;
  /** Human-friendly description of the service (from the `description` option; omitted when not set). */
  readonly description?: string;
  /** Human-readable reason for the status (e.g. `shutting down`). */
  readonly output?: string;
  /** Check entries keyed `component:measurement`, one entry per component instance. */
  readonly checks: Readonly<Record<string, readonly HealthCheckEntry[]>>;
}
