/**
 * `@scaling/opentelemetry`: OpenTelemetry observable instruments over the `stats()` snapshots of the
 * `@scaling/*` objects, read on collection.
 *
 * @module
 */
export { StatsInstruments, type StatsInstrumentsOptions, type StatsSource } from './stats-instruments.js';
