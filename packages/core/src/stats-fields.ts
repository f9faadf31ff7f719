/**
 * How a field of a `stats()` snapshot becomes a metric, shared by the Prometheus and OpenTelemetry
 * adapters so both read snapshots the same way: which numbers are gauges, how names are spelled, and
 * how `…Ms` fields become seconds.
 */

/**
 * Top-level fields of the `@scaling/*` `stats()` snapshots that are gauges (a level that goes up and
 * down); every other number, nested ones included (`shed.limit`), is a monotonic counter. Booleans
 * and strings are always gauges.
 */
export const GAUGE_STATS_FIELDS: readonly string[] = [
  'size',
  'pending',
  'waitingForRoom',
  'retrying',
  'hitRatio',
  'keys',
  'limit',
  'inflight',
  'queued',
  'active',
  'activeRequests',
  'activeRetries',
  'probability',
  'delayMs',
  'pendingWrites',
  'lagMs',
  'lagBytes',
  'maxLagMs',
  'eligible',
  'eligibleReplicas',
  'healthy',
  'ejected',
  'panic',
  'waiting',
  'ramping',
  'weight',
  'effectiveWeight',
  'latencyCostMs',
];

/** camelCase → snake_case (`waitingForRoom` → `waiting_for_room`, `hitRatio` → `hit_ratio`). */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .toLowerCase();
}

/** What a snapshot field exports as: a counter, a gauge, or a state (a string, exported as a label of 1). */
export type StatsFieldKind = 'counter' | 'gauge' | 'state';

/** A classified snapshot field (see {@link classifyStatsField}). */
export interface StatsField {
  /** Counter, gauge or state. */
  readonly kind: StatsFieldKind;
  /** The path in snake_case; a last part ending in `_ms` loses that suffix when `seconds` is true. */
  readonly parts: string[];
  /** `true` for a `…Ms` number: export it in seconds (multiply by `scale`). */
  readonly seconds: boolean;
  /** Multiplier for the value: 1/1000 for seconds, else 1. */
  readonly scale: number;
}

/**
 * Classifies the leaf `value` at `path` of a snapshot: strings are states, booleans gauges, numbers
 * gauges when `gauges` lists their dotted path (or, at the top level, their key) and counters
 * otherwise; anything else is not a metric (`undefined`).
 */
export function classifyStatsField(value: unknown, path: readonly string[], gauges: ReadonlySet<string>): StatsField | undefined {
  const last = path[path.length - 1] ?? '';
  let kind: StatsFieldKind;
  if (typeof value === 'string') kind = 'state';
  else if (typeof value === 'boolean') kind = 'gauge';
  else if (typeof value === 'number') kind = gauges.has(path.join('.')) || (path.length === 1 && gauges.has(last)) ? 'gauge' : 'counter';
  else return undefined;
  const { parts, seconds } = metricParts(path, kind !== 'state');
  return { kind, parts, seconds, scale: seconds ? 1 / 1000 : 1 };
}

/** The snake_case parts of `path`; with `allowSeconds`, a last key ending in `Ms` loses its `_ms`. */
export function metricParts(path: readonly string[], allowSeconds = true): { parts: string[]; seconds: boolean } {
  const parts = path.map(snakeCase);
  const seconds = allowSeconds && /Ms$/.test(path[path.length - 1] ?? '');
  if (seconds) parts[parts.length - 1] = (parts[parts.length - 1] as string).replace(/_ms$/, '');
  return { parts, seconds };
}

/** The value at `path` inside `snapshot`, or `undefined` when a step is not an object. */
export function valueAtPath(snapshot: unknown, path: readonly string[]): unknown {
  let value = snapshot;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Nested fields of a `stats()` snapshot that break a component down per member, keyed by the member's
 * id, and the label (attribute) name the adapters export that id under: `endpoints: { a: { … } }` →
 * `…{endpoint="a"}`. Any other nested object is a group, flattened into the metric name (`shed.limit`
 * → `shed_limit`). Add a collection here (never guess in an adapter) when a package adds one.
 */
export const MEMBER_STATS_COLLECTIONS: Readonly<Record<string, string>> = {
  endpoints: 'endpoint',
  replicas: 'replica',
  checks: 'check',
  levels: 'level',
  tiers: 'tier',
  partitions: 'partition',
};

/**
 * `true` when `value` is a latency histogram in a snapshot: a `@scaling/core` `Histogram` (checked by
 * shape, so copies loaded from the ESM and CJS builds both count). By convention the field is named
 * `…Duration` and holds milliseconds; adapters export it in seconds (`…_duration_seconds`).
 */
export function isStatsHistogram(value: unknown): value is {
  readonly count: number;
  readonly sum: number;
  quantile(q: number): number;
  forEachBucket(fn: (lower: number, upper: number, count: number) => void): void;
} {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { quantile?: unknown }).quantile === 'function' &&
    typeof (value as { forEachBucket?: unknown }).forEachBucket === 'function' &&
    typeof (value as { count?: unknown }).count === 'number'
  );
}
