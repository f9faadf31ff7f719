export { type CombinedHealth, combineHealth, type HealthTarget } from './combine-health.js';
export { DuplicateCheckError, ShutdownHookError } from './errors.js';
export { GracefulShutdown, type GracefulShutdownEvents } from './graceful-shutdown.js';
export type { CheckFunction, CheckOutcome, HealthCheckDefinition } from './health-check.js';
export {
  createHealthHandler,
  type HealthHandler,
  type HealthHandlerOptions,
  type HealthResponse,
  type HealthRoute,
} from './health-handler.js';
export { HealthMonitor } from './health-monitor.js';
export type { AggregateStatusChange, CheckRunResult, CheckStatusChange, HealthMonitorEvents } from './health-monitor-events.js';
export type { HealthMonitorOptions } from './health-monitor-options.js';
export type { CheckRunStats, CheckStats, HealthMonitorStats } from './health-monitor-stats.js';
export { HEALTH_CONTENT_TYPE, type HealthCheckEntry, type HealthReport, type HealthStatus, type ProbeKind } from './health-report.js';
export { OutlierDetector } from './outlier-detector.js';
export type {
  EjectionEvent,
  EjectionReason,
  FailurePercentageOptions,
  OutlierDetectorEvents,
  OutlierDetectorOptions,
  OutlierDetectorStats,
  OutlierEndpointStats,
  OutlierState,
  OutlierTarget,
  RequestOutcome,
  SuccessRateOptions,
} from './outlier-options.js';
export {
  type ClientProbeOptions,
  type HttpProbeOptions,
  httpProbe,
  type PgQueryable,
  pgProbe,
  type RedisPingable,
  redisProbe,
  type TcpProbeOptions,
  tcpProbe,
} from './probes.js';
export type { GracefulShutdownOptions } from './shutdown-options.js';
export {
  SHUTDOWN_PHASES,
  type ShutdownEvents,
  type ShutdownHook,
  type ShutdownHookOptions,
  type ShutdownPhase,
  type ShutdownQueue,
  type ShutdownResult,
  type ShutdownState,
  type ShutdownStats,
} from './shutdown-phases.js';
