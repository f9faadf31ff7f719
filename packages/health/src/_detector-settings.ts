/**
 * Outlier-detector option normalisation: the options checked once, with Envoy's defaults filled in.
 */
import { type Clock, systemClock } from '@scaling/core';
import {
  assertClock,
  assertFunction,
  assertInRange,
  assertNonNegativeInteger,
  assertOptions,
  assertPositiveFinite,
  assertPositiveInteger,
  describeValue,
} from '@scaling/core/internal';
import {
  DETECTOR_HINTS,
  DETECTOR_KEYS,
  type FailurePercentageOptions,
  FP_KEYS,
  type OutlierDetectorOptions,
  type OutlierTarget,
  SR_KEYS,
  type SuccessRateOptions,
} from './outlier-options.js';

/** The detector's options with defaults applied. @internal */
export interface DetectorSettings {
  target: OutlierTarget;
  clock: Clock;
  consecutiveFailures: number;
  intervalMs: number;
  baseEjectionTimeMs: number;
  maxEjectionTimeMs: number;
  maxEjectionPercent: number;
  probeTimeoutMs: number;
  successRate: Required<SuccessRateOptions> | undefined;
  failurePercentage: Required<FailurePercentageOptions> | undefined;
  onEject: OutlierDetectorOptions['onEject'];
  onReturn: OutlierDetectorOptions['onReturn'];
  /** The endpoints to track from the start. */
  endpoints: readonly string[];
}

/**
 * Checks the options (unknown keys too, with hints for Envoy's names) and fills in the defaults.
 * @throws {TypeError}/{@link RangeError} naming the bad option.
 * @internal
 */
export function normaliseDetectorOptions(options: OutlierDetectorOptions): DetectorSettings {
  assertOptions('OutlierDetector options', options, DETECTOR_KEYS, DETECTOR_HINTS);
  const { target } = options;
  if (typeof target !== 'object' || target === null || typeof target.setHealthy !== 'function')
    throw new TypeError(`Expected \`target\` to have a setHealthy(id, healthy) method, got ${describeValue(target)}`);
  const clock = options.clock ?? systemClock;
  assertClock('clock', clock, ['now', 'setTimeout', 'clearTimeout']);
  const consecutiveFailures = options.consecutiveFailures ?? 5;
  assertNonNegativeInteger('consecutiveFailures', consecutiveFailures);
  const intervalMs = options.intervalMs ?? 10_000;
  assertPositiveFinite('intervalMs', intervalMs);
  const baseEjectionTimeMs = options.baseEjectionTimeMs ?? 30_000;
  assertPositiveFinite('baseEjectionTimeMs', baseEjectionTimeMs);
  const maxEjectionTimeMs = options.maxEjectionTimeMs ?? 300_000;
  assertPositiveFinite('maxEjectionTimeMs', maxEjectionTimeMs);
  if (maxEjectionTimeMs < baseEjectionTimeMs)
    throw new RangeError(`Expected \`maxEjectionTimeMs\` to be ≥ baseEjectionTimeMs (${baseEjectionTimeMs}), got ${maxEjectionTimeMs}`);
  const maxEjectionPercent = options.maxEjectionPercent ?? 10;
  assertInRange('maxEjectionPercent', maxEjectionPercent, 0, 100);
  const probeTimeoutMs = options.probeTimeoutMs ?? 10_000;
  assertPositiveFinite('probeTimeoutMs', probeTimeoutMs);
  let successRate: Required<SuccessRateOptions> | undefined;
  if (options.successRate !== false) {
    const o = assertOptions('successRate options', options.successRate, SR_KEYS, undefined, true);
    successRate = { minimumHosts: o.minimumHosts ?? 5, requestVolume: o.requestVolume ?? 100, stdevFactor: o.stdevFactor ?? 1.9 };
    assertPositiveInteger('successRate.minimumHosts', successRate.minimumHosts);
    assertPositiveInteger('successRate.requestVolume', successRate.requestVolume);
    assertPositiveFinite('successRate.stdevFactor', successRate.stdevFactor);
  }
  let failurePercentage: Required<FailurePercentageOptions> | undefined;
  if (options.failurePercentage !== false) {
    const o = assertOptions('failurePercentage options', options.failurePercentage, FP_KEYS, undefined, true);
    failurePercentage = { threshold: o.threshold ?? 85, minimumHosts: o.minimumHosts ?? 5, requestVolume: o.requestVolume ?? 50 };
    assertInRange('failurePercentage.threshold', failurePercentage.threshold, 0, 100);
    assertPositiveInteger('failurePercentage.minimumHosts', failurePercentage.minimumHosts);
    assertPositiveInteger('failurePercentage.requestVolume', failurePercentage.requestVolume);
  }
  if (options.onEject !== undefined) assertFunction('onEject', options.onEject);
  if (options.onReturn !== undefined) assertFunction('onReturn', options.onReturn);
  const endpoints = options.endpoints ?? [];
  if (!Array.isArray(endpoints))
    throw new TypeError(`Expected \`endpoints\` to be an array of endpoint ids, got ${describeValue(endpoints)}`);
  return {
    target,
    clock,
    consecutiveFailures,
    intervalMs,
    baseEjectionTimeMs,
    maxEjectionTimeMs,
    maxEjectionPercent,
    probeTimeoutMs,
    successRate,
    failurePercentage,
    onEject: options.onEject,
    onReturn: options.onReturn,
    endpoints,
  };
}
