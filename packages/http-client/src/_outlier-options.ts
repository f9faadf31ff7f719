// The `outlierDetection` option of a balanced dispatcher: `@scaling/health` `OutlierDetectorOptions` minus
// `target` and `endpoints`, which the dispatcher sets itself. Checked here, so that an unknown key is reported
// with the keys a dispatcher accepts (the detector's own check would list `target` and `endpoints` too).
import { assertOptions, describeValue } from '@scaling/core/internal';
import type { OutlierDetectorOptions } from '@scaling/health';

/** The outlier detection options a dispatcher passes on (the detector applies their defaults), or `false` for none. */
export type OutlierSettings = Omit<OutlierDetectorOptions, 'target' | 'endpoints'> | false;

// Every key of the options type, once: a key added to `OutlierDetectorOptions` fails the type check here.
const KEY_SET: { readonly [K in keyof Exclude<OutlierSettings, false>]-?: true } = {
  consecutiveFailures: true,
  intervalMs: true,
  baseEjectionTimeMs: true,
  maxEjectionTimeMs: true,
  maxEjectionPercent: true,
  successRate: true,
  failurePercentage: true,
  probeTimeoutMs: true,
  onEject: true,
  onReturn: true,
  clock: true,
};

/** The `outlierDetection` keys a dispatcher accepts. */
export const OUTLIER_KEYS: readonly string[] = Object.keys(KEY_SET);

/** `outlierDetection` keys of `OutlierDetectorOptions` the dispatcher sets itself, with the reason. */
export const OUTLIER_REFUSED: Readonly<Record<string, string>> = {
  endpoints: 'the dispatcher adds and removes its endpoints itself (give them in `endpoints` or `discover`)',
  target: 'the dispatcher is the target (ejections take endpoints out of its balancer)',
};

/** Envoy's names (snake_case and camelCase) for the most used settings → ours. */
const OUTLIER_HINTS: Readonly<Record<string, string>> = {
  consecutive_5xx: 'use `consecutiveFailures`',
  consecutive5xx: 'use `consecutiveFailures`',
  interval: 'use `intervalMs` (milliseconds)',
  base_ejection_time: 'use `baseEjectionTimeMs` (milliseconds)',
  baseEjectionTime: 'use `baseEjectionTimeMs` (milliseconds)',
  max_ejection_time: 'use `maxEjectionTimeMs` (milliseconds)',
  maxEjectionTime: 'use `maxEjectionTimeMs` (milliseconds)',
  max_ejection_percent: 'use `maxEjectionPercent`',
  balancer: "not needed: the dispatcher's balancer is the target",
};

/**
 * Checks the `outlierDetection` option: `false`, `undefined` (the defaults), or an object of detector options.
 * The values are checked by the detector.
 * @returns the options to pass on (`{}` for `undefined`).
 * @throws {TypeError} when it is not an object or `false`, on `endpoints` or `target` (with the reason), or on
 *   an unknown key (with the accepted ones, and a hint for Envoy's names).
 */
export function outlierSettings(value: unknown): OutlierSettings {
  const od = value ?? {};
  if (od === false) return false;
  if (typeof od !== 'object' || od === null || Array.isArray(od))
    throw new TypeError(`Expected \`outlierDetection\` to be outlier detection options or false, got ${describeValue(od)}`);
  // new-user review, 2026-12: `endpoints` was accepted (the type forbids it) and fed the detector endpoints
  // the dispatcher never had; `target` was silently replaced
  for (const key of Object.keys(OUTLIER_REFUSED))
    if (Object.hasOwn(od, key)) throw new TypeError(`Option \`outlierDetection.${key}\` is not accepted: ${OUTLIER_REFUSED[key]}`);
  // new-user review, 2026-12: an unknown key was reported by the detector, listing `target` and `endpoints`
  return assertOptions('`outlierDetection`', od as Exclude<OutlierSettings, false>, OUTLIER_KEYS, OUTLIER_HINTS);
}
