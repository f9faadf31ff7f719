import type { OutlierDetectorStats, OutlierEndpointStats, OutlierState } from './outlier-options.js';

/** Slot states of the detector: healthy, ejected, then the two probing states. */
export const HEALTHY = 0;
export const EJECTED = 1;
/** Ejection time over, back in the target, waiting for its probe. */
export const PROBING = 2;
/** Probe admitted through `OutlierDetector.admit`: out of the target until its outcome arrives. */
export const PROBE_IN_FLIGHT = 3;

/** Names of the detector's slot states, indexed by state code (healthy 0, ejected 1, probing 2, probe in flight 3). */
export const STATE_NAMES: readonly OutlierState[] = ['healthy', 'ejected', 'probing', 'probing'];

/** A copy of `a` with room for `cap` entries (the new ones zero). */
export function grown<A extends Uint8Array | Uint32Array | Float64Array>(a: A, cap: number): A {
  const b = new (a.constructor as new (n: number) => A)(cap);
  b.set(a);
  return b;
}

/** The detector's per-endpoint columns, read for a stats snapshot. */
export interface OutlierColumns {
  /** Slots in use. */
  n: number;
  ids: readonly string[];
  state: Uint8Array;
  /** Successes and failures of the current interval. */
  ok: Uint32Array;
  failed: Uint32Array;
  /** Successes, failures and ejections of earlier intervals. */
  okTotal: Float64Array;
  failedTotal: Float64Array;
  ejectedTotal: Float64Array;
}

/** Per-endpoint stats, and the success and failure totals of the tracked endpoints. */
export function endpointStats(c: OutlierColumns): {
  endpoints: Record<string, OutlierEndpointStats>;
  successes: number;
  failures: number;
} {
  const endpoints: Record<string, OutlierEndpointStats> = {};
  let successes = 0;
  let failures = 0;
  for (let i = 0; i < c.n; i++) {
    const okNow = c.ok[i] as number;
    const failedNow = c.failed[i] as number;
    const ok = (c.okTotal[i] as number) + okNow;
    const failed = (c.failedTotal[i] as number) + failedNow;
    successes += ok;
    failures += failed;
    const state = c.state[i] as number;
    const e: OutlierEndpointStats = {
      state: STATE_NAMES[state] as OutlierState,
      ejected: state === EJECTED,
      successes: ok,
      failures: failed,
      ejections: c.ejectedTotal[i] as number,
    };
    if (okNow + failedNow > 0) e.successRate = okNow / (okNow + failedNow);
    endpoints[c.ids[i] as string] = e;
  }
  return { endpoints, successes, failures };
}

/** The detector's counters, read for a stats snapshot. */
export interface OutlierCounters {
  /** Endpoints ejected or probing now. */
  out: number;
  /** Ejections per reason: consecutive failures, failure percentage, success rate, probe failed. */
  byReason: Float64Array;
  overflow: number;
  returns: number;
  released: number;
  /** Outcomes of endpoints no longer tracked. */
  removedOk: number;
  removedFailed: number;
}

/** The detector's {@link OutlierDetectorStats}: a fresh object, O(endpoints). */
export function detectorStats(c: OutlierColumns, k: OutlierCounters): OutlierDetectorStats {
  const { endpoints, successes, failures } = endpointStats(c);
  const by = k.byReason;
  return {
    size: c.n,
    ejected: k.out,
    successes: successes + k.removedOk,
    failures: failures + k.removedFailed,
    ejections: (by[0] as number) + (by[1] as number) + (by[2] as number) + (by[3] as number),
    ejectionsBy: {
      consecutiveFailures: by[0] as number,
      failurePercentage: by[1] as number,
      successRate: by[2] as number,
      probeFailed: by[3] as number,
    },
    ejectionsOverflow: k.overflow,
    returns: k.returns,
    released: k.released,
    endpoints,
  };
}
