import type { HealthStatus } from './health-report.js';

/** Rank of a status, so the worst one is the largest: pass 0 < warn 1 < fail 2. @internal */
export function statusRank(status: HealthStatus): number {
  return status === 'pass' ? 0 : status === 'warn' ? 1 : 2;
}

/** The status of a rank from {@link statusRank}. @internal */
export function statusOfRank(rank: number): HealthStatus {
  return rank === 0 ? 'pass' : rank === 1 ? 'warn' : 'fail';
}

/**
 * The worst status among `items` (`pass` when there are none): the one rule behind a monitor's aggregate,
 * a probe's status and a report's `status`. `include` filters the items (all when omitted).
 * @internal
 */
export function worstStatus<T extends { readonly status: HealthStatus }>(items: Iterable<T>, include?: (item: T) => boolean): HealthStatus {
  let worst = 0;
  for (const item of items) {
    if (include !== undefined && !include(item)) continue;
    const r = statusRank(item.status);
    if (r > worst) worst = r;
  }
  return statusOfRank(worst);
}
