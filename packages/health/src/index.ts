export {
  GracefulShutdown,
  type GracefulShutdownEvents,
  type GracefulShutdownOptions,
  type ShutdownHook,
  type ShutdownResult,
  type ShutdownState,
} from './graceful-shutdown.js';
export {
  createHealthHandler,
  type HealthHandler,
  type HealthHandlerOptions,
  type HealthResponse,
  type HealthRoute,
} from './health-handler.js';
export {
  type CheckFunction,
  type CheckOutcome,
  type CheckRunResult,
  type CheckStatusChange,
  type HealthCheckDefinition,
  HealthMonitor,
  type HealthMonitorEvents,
  type HealthMonitorOptions,
} from './health-monitor.js';
export { HEALTH_CONTENT_TYPE, type HealthCheckEntry, type HealthReport, type HealthStatus, type ProbeKind } from './health-report.js';
export {
  type EjectionReason,
  type FailurePercentageOptions,
  OutlierDetector,
  type OutlierDetectorOptions,
  type OutlierState,
  type OutlierTarget,
  type RequestOutcome,
  type SuccessRateOptions,
} from './outlier-detector.js';
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
