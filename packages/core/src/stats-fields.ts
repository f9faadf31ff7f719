import { assertOptions } from './options.js';
import type { SemanticConventionName, StatsRegistrationOptions, StatsSource } from './stats-source.js';
import { describeValue } from './validate.js';

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
  'totalSize',
  'running',
  'l1Size',
  // appended for health, replica-router(-pg), resilience, rate-limit (issue 19)
  'windowRequests',
  'windowAccepts',
  'inFlight',
  'lastDurationMs',
  'successRate',
  'connections',
  'idleConnections',
  'waitingClients',
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

/** What one leaf of a `stats()` snapshot exports as: {@link StatsFieldKind} or a latency histogram. */
export type StatsSampleKind = StatsFieldKind | 'histogram';

/** A latency histogram as found in a snapshot (see {@link isStatsHistogram}). */
export interface StatsHistogram {
  readonly count: number;
  readonly sum: number;
  quantile(q: number): number;
  forEachBucket(fn: (lower: number, upper: number, count: number) => void): void;
  /** Present on `@scaling/core` `Histogram`s; adapters fall back to {@link forEachBucket} without it. */
  bucketCounts?(boundaries: readonly number[]): number[];
}

/** One exportable leaf of a snapshot, as {@link forEachStatsSample} reports it. */
export interface StatsSample {
  /** Counter, gauge, state (a string: a label of 1) or histogram (milliseconds, exported in seconds). */
  readonly kind: StatsSampleKind;
  /**
   * The metric-name parts after the source's name, snake_case: a member collection is replaced by its
   * label name (`endpoints.a.requests` → `['endpoint', 'requests']`), a group is kept (`shed.limit` →
   * `['shed', 'limit']`), a last key ending in `Ms` loses its `_ms` (seconds).
   */
  readonly parts: readonly string[];
  /** `true` when the value is milliseconds exported in seconds (`…Ms` numbers, every histogram). */
  readonly seconds: boolean;
  /** Member labels from the root down: `[['endpoint', 'a']]` for `endpoints.a.…`. */
  readonly members: readonly (readonly [label: string, id: string])[];
  /** The label of a state (the snake_case key: `state`), `''` for other kinds. */
  readonly stateLabel: string;
  /** The raw key of the leaf (`requestDuration`, `hits`). */
  readonly key: string;
  /**
   * The leaf's dotted path with member ids as `*`: `'requestDuration'`, `'endpoints.*.requestDuration'`,
   * `'shed.limit'` (what per-field adapter options are keyed by).
   */
  readonly field: string;
  /** A finite number (counter, gauge; booleans as 0/1, unscaled), a string (state) or a histogram. */
  readonly value: number | string | StatsHistogram;
}

/**
 * Walks a `stats()` snapshot the way both adapters export it, calling `fn` for every exportable leaf:
 * numbers (counters, or gauges when listed in `gauges` by their path relative to the innermost member
 * or root — `'active'` — or by their full dotted path), booleans (gauges 0/1), strings (states),
 * histograms ({@link isStatsHistogram}); collections named in {@link MEMBER_STATS_COLLECTIONS} become
 * member labels, any other plain object is a flattened group. Non-finite numbers, arrays, `null`,
 * `undefined` and functions are skipped.
 */
export function forEachStatsSample(snapshot: object, gauges: ReadonlySet<string>, fn: (sample: StatsSample) => void): void {
  const walk = (
    value: unknown,
    path: readonly string[],
    relative: readonly string[],
    parts: readonly string[],
    members: readonly (readonly [string, string])[],
    field: readonly string[],
  ): void => {
    const key = path[path.length - 1] ?? '';
    if (typeof value === 'object' && value !== null) {
      if (Array.isArray(value)) return;
      if (isStatsHistogram(value)) {
        const last = (parts[parts.length - 1] as string).replace(/_ms$/, '');
        fn({
          kind: 'histogram',
          parts: [...parts.slice(0, -1), last],
          seconds: true,
          members,
          stateLabel: '',
          key,
          field: field.join('.'),
          value,
        });
        return;
      }
      const label = path.length > 0 ? MEMBER_STATS_COLLECTIONS[key] : undefined;
      if (label !== undefined) {
        // `endpoints: { a: { … } }`: each key is a member id.
        const base = parts.slice(0, -1);
        for (const [id, member] of Object.entries(value)) {
          if (typeof member !== 'object' || member === null || isStatsHistogram(member)) {
            // `replicas: { r1: 5 }`: a scalar (or histogram) per member, named after the collection.
            walk(member, [...path, id], [key], parts, [...members, [label, id]], [...field, '*']);
            continue;
          }
          if (Array.isArray(member)) continue;
          const next: readonly (readonly [string, string])[] = [...members, [label, id]];
          for (const [k, v] of Object.entries(member))
            walk(v, [...path, id, k], [k], [...base, label, snakeCase(k)], next, [...field, '*', k]);
        }
        return;
      }
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k], [...relative, k], [...parts, snakeCase(k)], members, [...field, k]);
      return;
    }
    let kind: StatsFieldKind;
    let n: number | string;
    if (typeof value === 'string') {
      kind = 'state';
      n = value;
    } else if (typeof value === 'boolean') {
      kind = 'gauge';
      n = value ? 1 : 0;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return;
      kind = gauges.has(relative.join('.')) || gauges.has(path.join('.')) ? 'gauge' : 'counter';
      n = value;
    } else return;
    const seconds = kind !== 'state' && /Ms$/.test(key);
    const out = seconds ? [...parts.slice(0, -1), (parts[parts.length - 1] as string).replace(/_ms$/, '')] : parts;
    fn({ kind, parts: out, seconds, members, stateLabel: kind === 'state' ? snakeCase(key) : '', key, field: field.join('.'), value: n });
  };
  for (const [k, v] of Object.entries(snapshot)) walk(v, [k], [k], [snakeCase(k)], [], [k]);
}

/**
 * The default explicit bucket boundaries, in **seconds**, of the latency histograms the adapters export
 * (Prometheus `le`, OpenTelemetry explicit-bucket histograms): the boundaries the OpenTelemetry semantic
 * conventions advise for `http.client.request.duration` (0.005 … 10 s), extended below (0.5, 1, 2.5 ms)
 * for in-process waits and above (30, 60 s) for job runs. Each is placed on the log-linear buckets by
 * `Histogram.bucketCounts`, so it is exact within the histogram's relative error.
 */
export const DEFAULT_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
];

/**
 * Counts of `histogram` per interval of `boundaries` (ascending, in the histogram's unit): `n + 1`
 * counts as `Histogram.bucketCounts` returns them; for a histogram without that method, the same rule
 * (each bucket counted whole at its midpoint) over `forEachBucket`.
 */
export function histogramBucketCounts(histogram: StatsHistogram, boundaries: readonly number[]): number[] {
  if (typeof histogram.bucketCounts === 'function') return histogram.bucketCounts(boundaries);
  const out = new Array<number>(boundaries.length + 1).fill(0);
  let j = 0;
  histogram.forEachBucket((lower, upper, count) => {
    const mid = upper === Number.POSITIVE_INFINITY ? upper : (lower + upper) / 2;
    while (j < boundaries.length && mid > (boundaries[j] as number)) j++;
    out[j] = (out[j] as number) + count;
  });
  return out;
}

/** The semantic-convention names the adapters accept in `semanticConventions` (see `SemanticConventionName`). */
export const DURATION_SEMANTIC_CONVENTIONS: readonly SemanticConventionName[] = ['db.client.operation.duration'];

/** Why a name is refused in `semanticConventions` although it is a semantic-convention metric. */
const REFUSED_SEMANTIC_CONVENTIONS: Readonly<Record<string, string>> = {
  'http.client.request.duration':
    'the convention requires http.request.method and http.response.status_code, which a per-endpoint snapshot histogram lacks; ' +
    "@scaling/opentelemetry's recordHttpClientMetrics records it per request from the scaling:http-client:request tracing channel, " +
    'and the snapshot histogram stays exported under its scaling name (endpoint label)',
};

const REGISTER_KNOWN = ['semanticConventions'] as const;

/**
 * Checks the per-registration options of the adapters' `register` (`{ semanticConventions? }`) and
 * returns a copy of `semanticConventions` (`{}` when absent).
 *
 * @throws {TypeError} on an unknown option key, a `semanticConventions` that is not an object, or a
 *   name not in {@link DURATION_SEMANTIC_CONVENTIONS} (with the reason for a refused one).
 */
export function assertStatsRegistrationOptions(
  options: StatsRegistrationOptions | undefined,
): Readonly<Record<string, SemanticConventionName>> {
  const o = assertOptions('register options', options, REGISTER_KNOWN, {}, true);
  const semconv = o.semanticConventions ?? {};
  if (typeof semconv !== 'object' || semconv === null)
    throw new TypeError(`Expected \`semanticConventions\` to be an object, got ${describeValue(semconv)}`);
  for (const [field, convention] of Object.entries(semconv)) {
    if (DURATION_SEMANTIC_CONVENTIONS.includes(convention)) continue;
    const why =
      typeof convention === 'string' && Object.hasOwn(REFUSED_SEMANTIC_CONVENTIONS, convention)
        ? REFUSED_SEMANTIC_CONVENTIONS[convention]
        : undefined;
    throw new TypeError(
      `Expected \`semanticConventions.${field}\` to be one of ${DURATION_SEMANTIC_CONVENTIONS.join(', ')}, got ${describeValue(convention)}` +
        (why === undefined ? '' : ` (${why})`),
    );
  }
  return { ...semconv };
}

/**
 * `server.address` and `server.port` (OpenTelemetry semantic conventions) of a member id that is a URL
 * origin (`http://10.0.0.7:8080`; the port defaults to 80/443 by scheme) or `host:port`; `undefined`
 * for any other id.
 */
export function serverOfMember(id: string): { address: string; port: number } | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(id)) {
    try {
      const url = new URL(id);
      const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : Number.NaN;
      const address = url.hostname.replace(/^\[(.*)\]$/, '$1');
      return Number.isInteger(port) && address !== '' ? { address, port } : undefined;
    } catch {
      return undefined;
    }
  }
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(id);
  if (m === null) return undefined;
  return { address: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}

/**
 * Checks the `source` argument of the adapters' `register`: an object with a `stats()` method.
 *
 * @throws {TypeError} naming what was given instead.
 */
export function assertStatsSource(source: unknown): asserts source is StatsSource {
  if (typeof source !== 'object' || source === null || typeof (source as { stats?: unknown }).stats !== 'function')
    throw new TypeError(`Expected \`source\` to have a stats() method, got ${describeValue(source)}`);
}

/**
 * Checks the adapters' `gauges` option (extra gauge field names) and returns it (`[]` when absent).
 *
 * @throws {TypeError} when it is not an array of strings.
 */
export function assertGaugeFields(gauges: unknown): readonly string[] {
  const value = gauges ?? [];
  if (!Array.isArray(value) || value.some((g) => typeof g !== 'string'))
    throw new TypeError(`Expected \`gauges\` to be an array of field names, got ${describeValue(value)}`);
  return value;
}

/**
 * Checks a histogram-boundaries option (`name`: `buckets`, `boundaries`): finite numbers in seconds, in
 * strictly ascending order. Returns a copy, or a copy of {@link DEFAULT_DURATION_BUCKETS_SECONDS} when
 * `boundaries` is `undefined`.
 *
 * @throws {TypeError} naming `name` when it is not such an array.
 */
export function assertBucketBoundaries(name: string, boundaries: unknown): number[] {
  const value = boundaries ?? DEFAULT_DURATION_BUCKETS_SECONDS;
  if (
    !Array.isArray(value) ||
    value.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= (value[i - 1] as number)))
  )
    throw new TypeError(`Expected \`${name}\` to be finite numbers (seconds) in ascending order, got ${describeValue(value)}`);
  return [...value];
}
