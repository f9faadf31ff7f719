/**
 * `@scaling/core/internal`: the helpers the `@scaling/*` packages share with each other (argument
 * checks, the UTF-8 scratch buffer). Not part of the public API: no semver promise; they may change in
 * any release.
 *
 * @module
 */

export { Emitter } from './emitter.js';
export { assertHashInput, fmix32, fnv1a32, scratchBytes, utf8IntoScratch } from './hash.js';
export { assertBoolean, assertClock, assertNoNearMiss, assertOptions, assertSignal, type ClockMethod, nearMissOf } from './options.js';
export {
  assertBucketBoundaries,
  assertGaugeFields,
  assertStatsRegistrationOptions,
  assertStatsSource,
  classifyStatsField,
  DEFAULT_DURATION_BUCKETS_SECONDS,
  DURATION_SEMANTIC_CONVENTIONS,
  forEachStatsSample,
  GAUGE_STATS_FIELDS,
  histogramBucketCounts,
  isStatsHistogram,
  MEMBER_STATS_COLLECTIONS,
  metricParts,
  type StatsField,
  type StatsFieldKind,
  type StatsHistogram,
  type StatsSample,
  type StatsSampleKind,
  serverOfMember,
  snakeCase,
  valueAtPath,
} from './stats-fields.js';
export {
  assertFunction,
  assertInRange,
  assertNonNegativeFinite,
  assertNonNegativeInteger,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from './validate.js';
