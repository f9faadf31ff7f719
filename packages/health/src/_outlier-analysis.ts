/**
 * The interval analysis of outlier detection (Envoy `outlier_detection`): which endpoints' statistics
 * over the last window make them outliers, by failure percentage and by success rate.
 */
import { HEALTHY } from './_outlier-slots.js';
import type { EjectionReason, FailurePercentageOptions, SuccessRateOptions } from './outlier-options.js';

/** An endpoint slot that a rule judges an outlier. @internal */
export interface OutlierCandidate {
  readonly slot: number;
  readonly reason: EjectionReason;
}

/**
 * The outliers among slots `0..n-1`, failure-percentage ones first (Envoy's order); the caller ejects them
 * while the cap allows, skipping any already out.
 *
 * - Failure percentage: once `minimumHosts` endpoints have `requestVolume` requests, each of them whose
 *   failure percentage is ≥ `threshold`.
 * - Success rate: over the endpoints with `requestVolume` requests (at least `minimumHosts` of them), each
 *   whose success rate is below mean − `stdevFactor` × stdev.
 * @internal
 */
export function findOutliers(
  n: number,
  ok: Uint32Array,
  failed: Uint32Array,
  fp: Required<FailurePercentageOptions> | undefined,
  sr: Required<SuccessRateOptions> | undefined,
): OutlierCandidate[] {
  const out: OutlierCandidate[] = [];
  if (fp !== undefined) {
    let hosts = 0;
    for (let i = 0; i < n; i++) if ((ok[i] as number) + (failed[i] as number) >= fp.requestVolume) hosts++;
    if (hosts >= fp.minimumHosts) {
      for (let i = 0; i < n; i++) {
        const total = (ok[i] as number) + (failed[i] as number);
        if (total >= fp.requestVolume && ((failed[i] as number) * 100) / total >= fp.threshold)
          out.push({ slot: i, reason: 'failure-percentage' });
      }
    }
  }
  if (sr !== undefined) {
    let hosts = 0;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const total = (ok[i] as number) + (failed[i] as number);
      if (total < sr.requestVolume) continue;
      const rate = ((ok[i] as number) * 100) / total;
      hosts++;
      sum += rate;
      sumSq += rate * rate;
    }
    if (hosts >= sr.minimumHosts) {
      const mean = sum / hosts;
      const stdev = Math.sqrt(Math.max(0, sumSq / hosts - mean * mean));
      const limit = mean - sr.stdevFactor * stdev;
      for (let i = 0; i < n; i++) {
        const total = (ok[i] as number) + (failed[i] as number);
        if (total >= sr.requestVolume && ((ok[i] as number) * 100) / total < limit) out.push({ slot: i, reason: 'success-rate' });
      }
    }
  }
  return out;
}

/**
 * Closes an interval at `now` for slots `0..n-1`: a healthy endpoint whose last ejection ended at least `intervalMs`
 * ago has its ejection multiplier decay by one (Envoy: it decays while an endpoint stays healthy), and the
 * interval's outcome counters `ok`/`failed` are added to the totals and reset.
 * @internal
 */
export function closeInterval(
  n: number,
  now: number,
  intervalMs: number,
  state: Uint8Array,
  ejections: Uint32Array,
  until: Float64Array,
  ok: Uint32Array,
  failed: Uint32Array,
  totals: { okTotal: Float64Array; failedTotal: Float64Array },
): void {
  const { okTotal, failedTotal } = totals;
  for (let i = 0; i < n; i++) {
    if (state[i] === HEALTHY && (ejections[i] as number) > 0 && (until[i] as number) + intervalMs <= now)
      ejections[i] = (ejections[i] as number) - 1;
    okTotal[i] = (okTotal[i] as number) + (ok[i] as number);
    failedTotal[i] = (failedTotal[i] as number) + (failed[i] as number);
    ok[i] = 0;
    failed[i] = 0;
  }
}
