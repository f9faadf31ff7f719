import {
  assertOptions,
  classifyStatsField,
  describeValue,
  GAUGE_STATS_FIELDS,
  metricParts,
  type StatsFieldKind,
  snakeCase,
  valueAtPath,
} from '@scaling/core/internal';
import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';

/** Anything with a `stats()` snapshot: every stateful `@scaling/*` object, or an adapter you write. */
export interface StatsSource {
  /**
   * A snapshot of numbers (booleans and strings allowed), possibly nested in plain objects. Called at
   * scrape time only; it must not change state.
   */
  stats(): object;
}

/** Options of {@link StatsCollector}. */
export interface StatsCollectorOptions {
  /** The prom-client registry to add the metrics to (default: prom-client's global `register`). */
  registry?: Registry;
  /** Prefix of every metric name (default `'scaling_'`; `''` for none). */
  prefix?: string;
  /**
   * Fields exported as gauges in addition to the built-in list ({@link DEFAULT_GAUGE_FIELDS}); every
   * other number is a counter. A top-level field is named by its key (`'inflight'`), a nested one by
   * its dotted path (`'partitions.a.inflight'`), camelCase as in `stats()`.
   */
  gauges?: readonly string[];
}

/**
 * Top-level fields of the `@scaling/*` `stats()` snapshots that are gauges (a level that goes up and
 * down); every other number, nested ones included (`shed.limit`), is a monotonic counter (exported
 * with `_total`). Booleans and strings are always gauges.
 */
export const DEFAULT_GAUGE_FIELDS: readonly string[] = GAUGE_STATS_FIELDS;

const KNOWN = ['registry', 'prefix', 'gauges'] as const;
const HINTS = { registers: 'use `registry` (one prom-client Registry)', namespace: 'use `prefix`' };
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Kind = StatsFieldKind | 'quantiles';

/** Quantiles exported for a latency histogram found in a snapshot (a `@scaling/core` `Histogram`). */
const QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;

/** A `@scaling/core` `Histogram` (duck-typed, so two copies of core interoperate). */
function isHistogram(value: object): value is { count: number; sum: number; quantile(q: number): number } {
  const v = value as Record<string, unknown>;
  return typeof v.quantile === 'function' && typeof v.forEachBucket === 'function' && typeof v.count === 'number';
}

interface Field {
  /** Keys from the snapshot's root to the value. */
  path: readonly string[];
  kind: Kind;
  /** Multiplier applied to the value (1/1000 for `…Ms` → seconds). */
  scale: number;
}

interface Entry {
  source: StatsSource;
  labels: Record<string, string>;
}

interface Family {
  field: Field;
  entries: Entry[];
  metric: Counter<string> | Gauge<string>;
}

/**
 * Reads `stats()` snapshots at scrape time and exposes them as Prometheus counters and gauges through
 * prom-client. Nothing runs on the objects' hot paths: each scrape calls `stats()` once per registered
 * object.
 *
 * Names are Envoy-like, `<prefix><name>_<field>` with the units in the name: a counter field `hits`
 * of `register('cache', …)` is `scaling_cache_hits_total`; a gauge `size` is `scaling_queue_size`; a
 * field ending in `Ms` is converted to seconds (`delayMs` → `…_delay_seconds`); nested objects are
 * flattened with `_` (`shed.limit` → `…_shed_limit_total`); a boolean is a 0/1 gauge; a string field
 * `state` becomes `…_state{state="open"} 1`; a `@scaling/core` `Histogram` becomes summary-style
 * series (`…_wait_seconds{quantile="0.99"}`, `…_count`, `…_sum`). The labels given to {@link register} (e.g. `{ cache:
 * 'users' }`) tell instances of one name apart, as Envoy's `envoy_cluster_name` does.
 *
 * Fields present in the first snapshot are exported at once; fields that appear later (a new replica
 * id in a `Record`) are exported from the next scrape on.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { Cache } from '@scaling/cache';
 * import { StatsCollector } from '@scaling/prometheus';
 *
 * const registry = new Registry();
 * const metrics = new StatsCollector({ registry });
 * const users = new Cache<string, object>({ max: 10_000 });
 * metrics.register('cache', users, { cache: 'users' });
 * console.log(await registry.metrics()); // scaling_cache_hits_total{cache="users"} 0 …
 * ```
 */
export class StatsCollector {
  readonly #registry: Registry;
  readonly #prefix: string;
  readonly #gauges: ReadonlySet<string>;
  readonly #families = new Map<string, Family>();
  /** Label names per registration `name`: every registration under one name uses the same keys. */
  readonly #labelKeys = new Map<string, string>();
  readonly #entries = new Map<string, Entry[]>();
  /** Snapshots of the scrape in progress (cleared on the next microtask). */
  #snapshots: Map<StatsSource, object> | undefined;

  /**
   * @throws {TypeError} on an unknown option (with a hint for prom-client's metric option names), a
   *   `registry` without `registerMetric`, a `prefix` that is not a valid metric-name prefix, or a
   *   `gauges` that is not an array of strings.
   */
  constructor(options?: StatsCollectorOptions) {
    const o = assertOptions('StatsCollector options', options, KNOWN, HINTS, true);
    const registry = o.registry ?? globalRegistry;
    if (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function')
      throw new TypeError(`Expected \`registry\` to be a prom-client Registry, got ${describeValue(registry)}`);
    const prefix = o.prefix ?? 'scaling_';
    if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix)))
      throw new TypeError(`Expected \`prefix\` to be a Prometheus metric-name prefix, got ${describeValue(prefix)}`);
    const gauges = o.gauges ?? [];
    if (!Array.isArray(gauges) || gauges.some((g) => typeof g !== 'string'))
      throw new TypeError(`Expected \`gauges\` to be an array of field names, got ${describeValue(gauges)}`);
    this.#registry = registry;
    this.#prefix = prefix;
    this.#gauges = new Set([...DEFAULT_GAUGE_FIELDS, ...gauges]);
  }

  /**
   * Exports `source.stats()` under `<prefix><name>_…` with `labels` on every series. Returns a
   * function that unregisters it (idempotent); its series disappear from the next scrape.
   *
   * @param name - the metric group, snake_case (`'cache'`, `'queue'`, `'circuit_breaker'`).
   * @param source - any object with a `stats()` method.
   * @param labels - label values telling instances apart (default none); every registration under one
   *   `name` must use the same label names.
   * @throws {TypeError} when `name` is not a metric-name fragment, `source` has no `stats()` or its
   *   snapshot is not an object, a label name is invalid or differs from earlier registrations under
   *   `name`, or the same `name` and labels are registered twice.
   */
  register(name: string, source: StatsSource, labels: Readonly<Record<string, string>> = {}): () => void {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new TypeError(`Expected \`name\` to be a metric-name fragment (e.g. 'cache'), got ${describeValue(name)}`);
    if (typeof source !== 'object' || source === null || typeof source.stats !== 'function')
      throw new TypeError(`Expected \`source\` to have a stats() method, got ${describeValue(source)}`);
    if (typeof labels !== 'object' || labels === null)
      throw new TypeError(`Expected \`labels\` to be an object of strings, got ${describeValue(labels)}`);
    for (const [k, v] of Object.entries(labels)) {
      if (!NAME.test(k) || k.startsWith('__'))
        throw new TypeError(`Expected label names to be Prometheus label names, got ${describeValue(k)}`);
      if (typeof v !== 'string') throw new TypeError(`Expected label \`${k}\` to be a string, got ${describeValue(v)}`);
    }
    const keys = Object.keys(labels).sort().join(',');
    const known = this.#labelKeys.get(name);
    if (known !== undefined && known !== keys)
      throw new TypeError(`Expected the labels of \`${name}\` to be [${known}] like its earlier registrations, got [${keys}]`);
    const entries = this.#entries.get(name) ?? [];
    const id = JSON.stringify(Object.entries(labels).sort());
    if (entries.some((e) => JSON.stringify(Object.entries(e.labels).sort()) === id))
      throw new TypeError(`Expected \`${name}\` with labels ${id} to be registered once, got a second registration`);
    const snapshot = source.stats();
    if (typeof snapshot !== 'object' || snapshot === null)
      throw new TypeError(`Expected \`source.stats()\` to return an object, got ${describeValue(snapshot)}`);
    const entry: Entry = { source, labels: { ...labels } };
    this.#labelKeys.set(name, keys);
    entries.push(entry);
    this.#entries.set(name, entries);
    this.#discover(name, entry, snapshot);
    let registered = true;
    return () => {
      if (!registered) return;
      registered = false;
      const list = this.#entries.get(name);
      if (list !== undefined) list.splice(list.indexOf(entry), 1);
      for (const family of this.#families.values()) {
        const i = family.entries.indexOf(entry);
        if (i !== -1) family.entries.splice(i, 1);
      }
    };
  }

  /** Adds a family for every field of `snapshot` not exported yet, and `entry` to each family. */
  #discover(name: string, entry: Entry, snapshot: object): void {
    const walk = (value: unknown, path: string[]): void => {
      const last = path[path.length - 1] ?? '';
      if (typeof value === 'object' && value !== null && isHistogram(value)) {
        // A summary: `<base>{quantile="0.99"}`, `<base>_count`, `<base>_sum` (`…Ms` → `…_seconds`).
        const { parts, seconds } = metricParts(path);
        if (seconds) parts[parts.length - 1] = `${parts[parts.length - 1] as string}_seconds`;
        const base = `${this.#prefix}${name}_${parts.join('_')}`;
        const scale = seconds ? 1 / 1000 : 1;
        add(base, { path, kind: 'quantiles', scale }, 'quantile');
        add(`${base}_count`, { path: [...path, 'count'], kind: 'gauge', scale: 1 }, 'count');
        add(`${base}_sum`, { path: [...path, 'sum'], kind: 'gauge', scale }, 'sum');
        return;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
        return;
      }
      const f = classifyStatsField(value, path, this.#gauges);
      if (f === undefined) return; // undefined, functions, arrays: not a metric
      const { kind, parts, scale } = f;
      if (f.seconds) parts[parts.length - 1] = `${parts[parts.length - 1] as string}_seconds`;
      add(`${this.#prefix}${name}_${parts.join('_')}${kind === 'counter' ? '_total' : ''}`, { path, kind, scale }, last);
    };
    const add = (metricName: string, field: Field, last: string): void => {
      let family = this.#families.get(metricName);
      if (family === undefined) {
        family = this.#createFamily(metricName, name, field, entry, last);
        this.#families.set(metricName, family);
      }
      if (!family.entries.includes(entry)) family.entries.push(entry);
    };
    walk(snapshot, []);
  }

  #createFamily(metricName: string, name: string, field: Field, entry: Entry, last: string): Family {
    const labelNames = Object.keys(entry.labels);
    const stateLabel = snakeCase(last);
    if (field.kind === 'state' || field.kind === 'quantiles') labelNames.push(stateLabel);
    const help = `${field.path.join('.')} of ${name} stats() (${field.kind === 'counter' ? 'counter' : field.kind === 'state' ? 'current value as a label, 1' : field.kind === 'quantiles' ? 'latency quantiles' : 'gauge'}${field.scale !== 1 ? ', seconds' : ''})`;
    const family: Family = { field, entries: [], metric: undefined as never };
    const collector = this;
    const config = {
      name: metricName,
      help,
      labelNames,
      registers: [this.#registry],
      collect(this: Counter<string> | Gauge<string>) {
        this.reset();
        for (const e of family.entries) {
          const value = collector.#read(e, field.path);
          if (field.kind === 'quantiles') {
            const h = value as { count: number; quantile(q: number): number } | undefined;
            if (h === undefined || h.count === 0) continue;
            for (const q of QUANTILES) (this as Gauge<string>).set({ ...e.labels, quantile: String(q) }, h.quantile(q) * field.scale);
            continue;
          }
          if (field.kind === 'state') {
            if (typeof value === 'string') (this as Gauge<string>).set({ ...e.labels, [stateLabel]: value }, 1);
            continue;
          }
          const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
          if (typeof n !== 'number' || !Number.isFinite(n)) continue;
          if (field.kind === 'counter') (this as Counter<string>).inc(e.labels, Math.max(0, n * field.scale));
          else (this as Gauge<string>).set(e.labels, n * field.scale);
        }
      },
    };
    family.metric = field.kind === 'counter' ? new Counter(config) : new Gauge(config);
    return family;
  }

  /** The value at `path` in `entry`'s snapshot of this scrape (one `stats()` call per object per scrape). */
  #read(entry: Entry, path: readonly string[]): unknown {
    let snapshots = this.#snapshots;
    if (snapshots === undefined) {
      snapshots = new Map();
      this.#snapshots = snapshots;
      // prom-client starts every metric's collect in the same tick of `registry.metrics()`.
      queueMicrotask(() => {
        this.#snapshots = undefined;
      });
    }
    let snapshot = snapshots.get(entry.source);
    if (snapshot === undefined) {
      snapshot = entry.source.stats();
      snapshots.set(entry.source, snapshot);
      // Fields that appeared since registration (a new key in a Record) are exported from the next scrape.
      for (const [name, list] of this.#entries) if (list.includes(entry)) this.#discover(name, entry, snapshot);
    }
    return valueAtPath(snapshot, path);
  }
}
