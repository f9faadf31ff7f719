/**
 * Envoy's panic threshold (`healthy_panic_threshold`): below `thresholdPercent` percent of healthy endpoints,
 * routing spans every endpoint, healthy or not, rather than overloading the few healthy ones. 0 disables it.
 */
export function isPanicking(thresholdPercent: number, healthy: number, total: number): boolean {
  return total > 0 && thresholdPercent > 0 && healthy * 100 < thresholdPercent * total;
}
