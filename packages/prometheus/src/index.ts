/**
 * `@scaling/prometheus`: Prometheus metrics for every `@scaling/*` object, read from `stats()` at
 * scrape time through prom-client.
 *
 * @module
 */
export {
  DEFAULT_DURATION_BUCKETS,
  DEFAULT_GAUGE_FIELDS,
  type SemanticConventionName,
  StatsCollector,
  type StatsCollectorOptions,
  type StatsRegistrationOptions,
  type StatsSource,
} from './stats-collector.js';
