/**
 * `@scaling/opentelemetry`: OpenTelemetry metrics over the `stats()` snapshots of the `@scaling/*`
 * objects (observable instruments read on collection, histograms through a metric producer), spans
 * from their tracing channels, and `http.client.request.duration` from the http-client's tracing channel.
 *
 * @module
 */
// The snapshot contract (and register's options) has one definition, in @scaling/core; re-exported here under the same names.
export type { SemanticConventionName, StatsRegistrationOptions, StatsSource } from '@scaling/core';
export {
  DEFAULT_DURATION_BUCKETS,
  StatsHistogramProducer,
  type StatsHistogramProducerOptions,
} from './histogram-producer.js';
export { type RecordHttpClientMetricsOptions, recordHttpClientMetrics } from './http-client-metrics.js';
export { StatsInstruments, type StatsInstrumentsOptions } from './stats-instruments.js';
export { SCALING_TRACING_CHANNELS, type TraceScalingChannelsOptions, traceScalingChannels } from './tracing-spans.js';
