export { type Backoff, type BackoffOptions, exponentialBackoff } from './backoff.js';
export { type Clock, ManualClock, systemClock, type TimerHandle, wallClock } from './clock.js';
export type { EventMap, Listener, Subscribable } from './emitter.js';
export { isScalingError, ScalingError, type ScalingErrorCode, TimeoutError } from './errors.js';
export { fnv1a64, type HashInput, xxHash32, xxHash64 } from './hash.js';
export { Histogram, type HistogramOptions } from './histogram.js';
export type { Lease, Outcome } from './outcome.js';
export { type RandomSource, seededRandom } from './random.js';
export type { SemanticConventionName, StatsRegistrationOptions, StatsSource } from './stats-source.js';
