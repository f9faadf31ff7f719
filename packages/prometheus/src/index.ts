/**
 * `@scaling/prometheus`: Prometheus metrics for every `@scaling/*` object, read from `stats()` at
 * scrape time through prom-client.
 *
 * @module
 */
// The snapshot contract (and register's options) has one definition, in @scaling/core; re-exported here under the same names.
export type { SemanticConventionName, StatsRegistrationOptions, StatsSource } from '@scaling/core';
export {
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_GAUGE_FIELDS,
  StatsCollector,
  type StatsCollectorOptions,
} from './stats-collector.js';
