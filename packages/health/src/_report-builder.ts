/**
 * Report building: the frozen per-check entries and the IETF report assembled from them.
 */

import { statusOfRank, statusRank } from './_status.js';
import type { HealthCheckEntry, HealthReport, HealthStatus, ProbeKind } from './health-report.js';

/** The fields of one entry (absent ones are left out when serialised). @internal */
export interface EntryFields {
  componentId: string;
  componentType: string | undefined;
  status: HealthStatus;
  time?: string | undefined;
  observedValue?: unknown;
  observedUnit?: string | undefined;
  output?: string | undefined;
}

/** A frozen entry of one fixed shape (so every entry shares one hidden class). @internal */
export function makeEntry(f: EntryFields): HealthCheckEntry {
  return Object.freeze({
    componentId: f.componentId,
    componentType: f.componentType,
    status: f.status,
    time: f.time,
    observedValue: f.observedValue,
    observedUnit: f.observedUnit,
    output: f.output,
  });
}

/** What {@link buildReport} reads of each check. @internal */
export interface ReportSource {
  readonly key: string;
  readonly probes: readonly ProbeKind[];
  readonly status: HealthStatus;
  readonly entry: HealthCheckEntry;
}

/** The report's service fields. @internal */
export interface ReportMeta {
  serviceId?: string;
  version?: string;
  releaseId?: string;
  description?: string;
}

/**
 * Builds a report over `list` (only the checks in probe `kind` when given). `uniqueKeys` says every
 * check has its own key (then each `checks` value is a one-entry array, built without a lookup).
 * @internal
 */
export function buildReport(
  list: readonly ReportSource[],
  uniqueKeys: boolean,
  kind: ProbeKind | undefined,
  meta: ReportMeta,
): HealthReport {
  const checks: Record<string, HealthCheckEntry[]> = {};
  let worst = 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as ReportSource;
    if (kind !== undefined && !s.probes.includes(kind)) continue;
    if (uniqueKeys) checks[s.key] = [s.entry];
    else {
      const entries = checks[s.key];
      if (entries === undefined) checks[s.key] = [s.entry];
      else entries.push(s.entry);
    }
    const r = statusRank(s.status);
    if (r > worst) worst = r;
  }
  // one fixed shape (absent fields are undefined and left out when serialised)
  return {
    status: statusOfRank(worst),
    version: meta.version,
    releaseId: meta.releaseId,
    serviceId: meta.serviceId,
    description: meta.description,
    checks,
  };
}
