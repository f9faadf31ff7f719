/**
 * `@scaling/opentelemetry`: OpenTelemetry metrics over the `stats()` snapshots of the `@scaling/*`
 * objects (observable instruments read on collection, histograms through a metric producer), and spans
 * from their tracing channels.
 *
 * @module
 */
export {
  DEFAULT_DURATION_BUCKETS,
  StatsHistogramProducer,
  type StatsHistogramProducerOptions,
} from './histogram-producer.js';
export {
  type SemanticConventionName,
  StatsInstruments,
  type StatsInstrumentsOptions,
  type StatsRegistrationOptions,
  type StatsSource,
} from './stats-instruments.js';
export { SCALING_TRACING_CHANNELS, type TraceScalingChannelsOptions, traceScalingChannels } from './tracing-spans.js';
