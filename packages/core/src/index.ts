export { type Backoff, type BackoffOptions, exponentialBackoff } from './backoff.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export { isScalingError, ScalingError, type ScalingErrorCode, TimeoutError } from './errors.js';
export { assertHashInput, fnv1a64, type HashInput, scratchBytes, utf8IntoScratch, xxHash32, xxHash64 } from './hash.js';
export { type RandomSource, seededRandom } from './random.js';
export {
  assertFunction,
  assertInRange,
  assertNonNegativeFinite,
  assertNonNegativeInteger,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from './validate.js';
