/**
 * First index in `[lo, hi)` of the sorted `points` whose value is ≥ `x` (`hi` when none): the lower-bound
 * binary search of every ring lookup in this package (`RingHash`, `MultiProbeHash`).
 */
export function lowerBound(points: Uint32Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((points[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
