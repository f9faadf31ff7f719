import type { SemanticConventionName, StatsRegistrationOptions, StatsSource } from '@scaling/core';
import {
  assertBucketBoundaries,
  assertGaugeFields,
  assertOptions,
  assertStatsRegistrationOptions,
  assertStatsSource,
  DEFAULT_DURATION_BUCKETS_SECONDS,
  describeValue,
  forEachStatsSample,
  GAUGE_STATS_FIELDS,
  histogramBucketCounts,
  type StatsHistogram,
  type StatsSample,
  serverOfMember,
} from '@scaling/core/internal';
import { register as globalRegistry, type Registry } from 'prom-client';

/** Options of {@link StatsCollector}. */
export interface StatsCollectorOptions {
  /** The prom-client registry to add the metrics to (default: prom-client's global `register`). */
  registry?: Registry;
  /** Prefix of every metric name (default `'scaling_'`; `''` for none). Not applied to semantic-convention names. */
  prefix?: string;
  /**
   * Fields exported as gauges in addition to the built-in list ({@link DEFAULT_GAUGE_FIELDS}); every
   * other number is a counter. Named by their path relative to the snapshot or to a member
   * (`'inflight'`), or by their full dotted path (`'shed.limit'`), camelCase as in `stats()`.
   */
  gauges?: readonly string[];
  /**
   * The `le` boundaries, in seconds, of every exported latency histogram (ascending, finite; default
   * {@link DEFAULT_DURATION_BUCKETS}). Each is exact within the source histogram's relative error.
   */
  buckets?: readonly number[];
}

/**
 * Top-level fields of the `@scaling/*` `stats()` snapshots that are gauges (a level that goes up and
 * down); every other number is a monotonic counter (exported with `_total`). Booleans and strings are
 * always gauges.
 */
export const DEFAULT_GAUGE_FIELDS: readonly string[] = GAUGE_STATS_FIELDS;

/**
 * The default `le` boundaries (seconds) of exported latency histograms: the OpenTelemetry semantic
 * conventions' advice for `http.client.request.duration` (0.005 … 10), plus 0.0005, 0.001, 0.0025, 30
 * and 60.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = DEFAULT_DURATION_BUCKETS_SECONDS;

const KNOWN = ['registry', 'prefix', 'gauges', 'buckets'] as const;
const HINTS = {
  registers: 'use `registry` (one prom-client Registry)',
  namespace: 'use `prefix`',
  labelNames: 'pass labels to `register`',
};
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Entry {
  name: string;
  source: StatsSource;
  labels: Record<string, string>;
  semconv: Readonly<Record<string, SemanticConventionName>>;
}

interface Value {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** What prom-client reads from a registered metric (its `get()` shape). */
interface MetricObject {
  name: string;
  help: string;
  type: MetricType;
  aggregator: 'sum';
  values: Value[];
}

/** A metric family registered in the prom-client registry; its values come from the collector's snapshot of this scrape. */
interface Family {
  name: string;
  help: string;
  type: MetricType;
  aggregator: 'sum';
  get(): Promise<MetricObject>;
  reset(): void;
}

/**
 * Reads `stats()` snapshots at scrape time and exposes them as Prometheus counters, gauges and
 * histograms through a prom-client `Registry`. Nothing runs on the objects' hot paths: each scrape calls
 * `stats()` once per registered object.
 *
 * Names are Envoy-like, `<prefix><name>_<field>` with the units in the name (the convention of
 * `docs/monitoring/conventions.md`): a counter `hits` of `register('cache', …)` is
 * `scaling_cache_hits_total`; a gauge `size` is `scaling_queue_size`; `…Ms` numbers are seconds
 * (`lagMs` → `…_lag_seconds`); booleans are 0/1 gauges; a string `state` is `…_state{state="open"} 1`;
 * groups are flattened (`shed.limit` → `…_shed_limit_total`); a member collection becomes a label
 * (`endpoints: { a: { requests } }` → `scaling_load_balancer_endpoint_requests_total{endpoint="a"}`);
 * a `@scaling/core` `Histogram` (milliseconds) becomes a Prometheus histogram in seconds
 * (`waitDuration` → `scaling_queue_wait_duration_seconds_bucket{le="0.1"}`, `_sum`, `_count`). The
 * labels given to {@link register} (e.g. `{ cache: 'users' }`) tell instances apart, as Envoy's
 * `envoy_cluster_name` does.
 *
 * Fields present in the first snapshot are exported at once; fields that appear later (a new member)
 * are exported from the same scrape on when their family exists, else from the next one.
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
  /** `le` boundaries in seconds, and in milliseconds (the histograms' unit). */
  readonly #buckets: readonly number[];
  readonly #bucketsMs: readonly number[];
  readonly #bucketLabels: readonly string[];
  readonly #families = new Map<string, Family>();
  /** Label names per registration `name`: every registration under one name uses the same keys. */
  readonly #labelKeys = new Map<string, string>();
  readonly #entries: Entry[] = [];
  /** Values of the scrape in progress per family (cleared on the next microtask). */
  #scrape: Map<string, Value[]> | undefined;

  /**
   * @throws {TypeError} on an unknown option (with a hint for prom-client's metric option names), a
   *   `registry` without `registerMetric`, a `prefix` that is not a valid metric-name prefix, a `gauges`
   *   that is not an array of strings, or `buckets` that are not ascending finite numbers.
   */
  constructor(options?: StatsCollectorOptions) {
    const o = assertOptions('StatsCollector options', options, KNOWN, HINTS, true);
    const registry = o.registry ?? globalRegistry;
    if (typeof registry !== 'object' || registry === null || typeof registry.registerMetric !== 'function')
      throw new TypeError(`Expected \`registry\` to be a prom-client Registry, got ${describeValue(registry)}`);
    const prefix = o.prefix ?? 'scaling_';
    if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix)))
      throw new TypeError(`Expected \`prefix\` to be a Prometheus metric-name prefix, got ${describeValue(prefix)}`);
    const gauges = assertGaugeFields(o.gauges);
    const buckets = assertBucketBoundaries('buckets', o.buckets);
    this.#registry = registry;
    this.#prefix = prefix;
    this.#gauges = new Set([...DEFAULT_GAUGE_FIELDS, ...gauges]);
    this.#buckets = buckets;
    this.#bucketsMs = buckets.map((b) => b * 1000);
    this.#bucketLabels = [...buckets.map(String), '+Inf'];
  }

  /** The `le` boundaries in effect, seconds. */
  get buckets(): readonly number[] {
    return this.#buckets;
  }

  /**
   * Exports `source.stats()` under `<prefix><name>_…` with `labels` on every series. Returns a
   * function that unregisters it (idempotent); its series disappear from the next scrape.
   *
   * @param name - the metric group, snake_case: the package (`'cache'`, `'queue'`, `'load_balancer'`)
   *   or, for a package with several objects, the object (`'circuit_breaker'`, `'rate_limiter'`).
   * @param source - any object with a `stats()` method.
   * @param labels - label values telling instances apart (default none); every registration under one
   *   `name` must use the same label names.
   * @param options - {@link StatsRegistrationOptions} (semantic-convention names for histograms).
   * @throws {TypeError} when `name` is not a metric-name fragment, `source` has no `stats()` or its
   *   snapshot is not an object, a label name is invalid or differs from earlier registrations under
   *   `name`, the same `name` and labels are registered twice, `options` has an unknown key or an
   *   unknown semantic convention, or a metric name is already taken in the registry by another metric.
   */
  register(
    name: string,
    source: StatsSource,
    labels: Readonly<Record<string, string>> = {},
    options?: StatsRegistrationOptions,
  ): () => void {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new TypeError(`Expected \`name\` to be a metric-name fragment (e.g. 'cache'), got ${describeValue(name)}`);
    assertStatsSource(source);
    if (typeof labels !== 'object' || labels === null)
      throw new TypeError(`Expected \`labels\` to be an object of strings, got ${describeValue(labels)}`);
    for (const [k, v] of Object.entries(labels)) {
      if (!NAME.test(k) || k.startsWith('__') || k === 'le')
        throw new TypeError(`Expected label names to be Prometheus label names (not \`le\`), got ${describeValue(k)}`);
      if (typeof v !== 'string') throw new TypeError(`Expected label \`${k}\` to be a string, got ${describeValue(v)}`);
    }
    const semconv = assertStatsRegistrationOptions(options);
    const keys = Object.keys(labels).sort().join(',');
    const known = this.#labelKeys.get(name);
    if (known !== undefined && known !== keys)
      throw new TypeError(`Expected the labels of \`${name}\` to be [${known}] like its earlier registrations, got [${keys}]`);
    const id = JSON.stringify(Object.entries(labels).sort());
    if (this.#entries.some((e) => e.name === name && JSON.stringify(Object.entries(e.labels).sort()) === id))
      throw new TypeError(`Expected \`${name}\` with labels ${id} to be registered once, got a second registration`);
    const snapshot = source.stats();
    if (typeof snapshot !== 'object' || snapshot === null)
      throw new TypeError(`Expected \`source.stats()\` to return an object, got ${describeValue(snapshot)}`);
    const entry: Entry = { name, source, labels: { ...labels }, semconv };
    this.#walk(entry, snapshot, undefined, true);
    this.#labelKeys.set(name, keys);
    this.#entries.push(entry);
    let registered = true;
    return () => {
      if (!registered) return;
      registered = false;
      this.#entries.splice(this.#entries.indexOf(entry), 1);
    };
  }

  /**
   * Walks one snapshot: creates the families it needs (registering them in the registry) and, with
   * `values`, adds its samples to them. `strict` (at registration) lets a registry name clash throw.
   */
  #walk(entry: Entry, snapshot: object, values: Map<string, Value[]> | undefined, strict: boolean): void {
    forEachStatsSample(snapshot, this.#gauges, (s) => {
      const convention = s.kind === 'histogram' ? entry.semconv[s.field] : undefined;
      const labels: Record<string, string> = { ...entry.labels };
      for (const [label, id] of s.members) {
        const server = convention === undefined ? undefined : serverOfMember(id);
        if (server === undefined) labels[label] = id;
        else {
          labels.server_address = server.address;
          labels.server_port = String(server.port);
        }
      }
      let metricName: string;
      let type: MetricType;
      if (convention !== undefined) {
        metricName = `${convention.replace(/\./g, '_')}_seconds`;
        type = 'histogram';
      } else {
        const base = `${this.#prefix}${entry.name}_${s.parts.join('_')}`;
        type = s.kind === 'counter' ? 'counter' : s.kind === 'histogram' ? 'histogram' : 'gauge';
        metricName = `${base}${s.seconds ? '_seconds' : ''}${type === 'counter' ? '_total' : ''}`;
      }
      const family = this.#family(metricName, type, entry, s, strict);
      if (family === undefined || values === undefined) return;
      let list = values.get(metricName);
      if (list === undefined) {
        list = [];
        values.set(metricName, list);
      }
      this.#push(list, metricName, type, s, labels);
    });
  }

  /** The family named `metricName`, created and registered on first sight; `undefined` on a type clash. */
  #family(metricName: string, type: MetricType, entry: Entry, s: StatsSample, strict: boolean): Family | undefined {
    const existing = this.#families.get(metricName);
    if (existing !== undefined) return existing.type === type ? existing : undefined;
    const what = s.kind === 'state' ? 'current value as a label, 1' : s.kind === 'histogram' ? 'latency histogram' : s.kind;
    const help = `${s.parts.join('.')} of ${entry.name} stats() (${what}${s.seconds ? ', seconds' : ''})`;
    const collector = this;
    const family: Family = {
      name: metricName,
      help,
      type,
      aggregator: 'sum',
      async get() {
        const values = collector.#collect().get(metricName) ?? [];
        return { name: family.name, help: family.help, type: family.type, aggregator: 'sum', values };
      },
      reset() {},
    };
    try {
      this.#registry.registerMetric(family as never);
    } catch (error) {
      if (strict) throw new TypeError(`Expected metric name ${metricName} to be free in the registry: ${(error as Error).message}`);
      return undefined;
    }
    this.#families.set(metricName, family);
    return family;
  }

  #push(list: Value[], metricName: string, type: MetricType, s: StatsSample, labels: Record<string, string>): void {
    if (s.kind === 'state') {
      list.push({ value: 1, labels: { ...labels, [s.stateLabel]: s.value as string } });
      return;
    }
    if (s.kind !== 'histogram') {
      const n = (s.value as number) * (s.seconds ? 1 / 1000 : 1);
      list.push({ value: type === 'counter' ? Math.max(0, n) : n, labels });
      return;
    }
    const h = s.value as StatsHistogram;
    const counts = histogramBucketCounts(h, this.#bucketsMs);
    let cumulative = 0;
    for (let i = 0; i < counts.length; i++) {
      cumulative += counts[i] as number;
      list.push({ metricName: `${metricName}_bucket`, labels: { ...labels, le: this.#bucketLabels[i] as string }, value: cumulative });
    }
    list.push({ metricName: `${metricName}_sum`, labels, value: h.sum / 1000 });
    list.push({ metricName: `${metricName}_count`, labels, value: h.count });
  }

  /** Every family's values for this scrape: one `stats()` call per registered object per scrape. */
  #collect(): Map<string, Value[]> {
    let values = this.#scrape;
    if (values !== undefined) return values;
    values = new Map();
    this.#scrape = values;
    // prom-client calls every metric's get() in the same tick of `registry.metrics()`.
    queueMicrotask(() => {
      this.#scrape = undefined;
    });
    for (const entry of this.#entries) {
      const snapshot = entry.source.stats();
      if (typeof snapshot === 'object' && snapshot !== null) this.#walk(entry, snapshot, values, false);
    }
    return values;
  }
}
