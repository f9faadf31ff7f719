import type { Attributes, BatchObservableResult, Meter, Observable, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import type { SemanticConventionName, StatsRegistrationOptions, StatsSource } from '@scaling/core';
import {
  assertGaugeFields,
  assertOptions,
  assertStatsRegistrationOptions,
  assertStatsSource,
  describeValue,
  forEachStatsSample,
  GAUGE_STATS_FIELDS,
  histogramBucketCounts,
  type StatsHistogram,
  type StatsSample,
  serverOfMember,
} from '@scaling/core/internal';
import { attachHistogramSource, type HistogramPoint, StatsHistogramProducer } from './histogram-producer.js';

/** Options of {@link StatsInstruments}. */
export interface StatsInstrumentsOptions {
  /** The meter to create the observable instruments on (e.g. `metrics.getMeter('my-app')`). Required. */
  meter: Meter;
  /** Prefix of every instrument name (default `'scaling.'`). Not applied to semantic-convention names. */
  prefix?: string;
  /**
   * Fields observed as gauges in addition to the built-in list (the same as `@scaling/prometheus`'s
   * `DEFAULT_GAUGE_FIELDS`); every other number is a monotonic counter. Named by their path relative to
   * the snapshot or to a member (`'inflight'`), or by their full dotted path (`'shed.limit'`).
   */
  gauges?: readonly string[];
  /**
   * Where the latency histograms of the snapshots go: a {@link StatsHistogramProducer} given to the
   * SDK metric reader's `metricProducers` (the OpenTelemetry API has no observable histogram). Without
   * it histograms are not exported.
   */
  histograms?: StatsHistogramProducer;
}

const KNOWN = ['meter', 'prefix', 'gauges', 'histograms'] as const;
const NAME = /^[a-zA-Z][a-zA-Z0-9_.]*$/;

interface Instrument {
  kind: 'counter' | 'gauge' | 'state';
  observable: ObservableCounter | ObservableGauge;
}

interface Entry {
  name: string;
  source: StatsSource;
  attributes: Attributes;
  semconv: Readonly<Record<string, SemanticConventionName>>;
  /** Whether the last snapshot held a histogram (the producer skips the others). */
  histograms: boolean;
}

/**
 * Observable OpenTelemetry instruments over `stats()` snapshots: nothing runs on the objects' hot
 * paths; on each collection one batch callback calls `stats()` once per registered object.
 *
 * Names follow the OpenTelemetry style, `<prefix><name>.<field>` in snake_case (the convention of
 * `docs/monitoring/conventions.md`): a counter field `hits` of `register('cache', …)` is the observable
 * counter `scaling.cache.hits`; a gauge `size` is the observable gauge `scaling.queue.size`; a field
 * ending in `Ms` is observed in seconds with unit `s` (`lagMs` → `….lag`); groups are flattened with
 * `.`; booleans are 0/1 gauges; a string `state` is a gauge of 1 with the attribute `state`; a member
 * collection becomes an attribute (`endpoints: { a: { requests } }` → `scaling.load_balancer.endpoint.requests`
 * with `endpoint: 'a'`); a `@scaling/core` `Histogram` (ms) is an explicit-bucket histogram in seconds
 * (`waitDuration` → `scaling.queue.wait_duration`, unit `s`) exported through a
 * {@link StatsHistogramProducer} (option `histograms`). The `attributes` given to {@link register} tell
 * instances apart.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { Cache } from '@scaling/cache';
 * import { StatsInstruments } from '@scaling/opentelemetry';
 *
 * const instruments = new StatsInstruments({ meter: metrics.getMeter('my-app') });
 * instruments.register('cache', new Cache<string, object>({ max: 10_000 }), { cache: 'users' });
 * // scaling.cache.hits, scaling.cache.misses, scaling.cache.hit_ratio, … on every collection
 * ```
 */
export class StatsInstruments {
  readonly #meter: Meter;
  readonly #prefix: string;
  readonly #gauges: ReadonlySet<string>;
  readonly #instruments = new Map<string, Instrument>();
  readonly #entries: Entry[] = [];
  #observables: Observable[] = [];
  #bound = new Set<Observable>();
  readonly #callback = (result: BatchObservableResult): void => this.#observe(result);
  #rebindScheduled = false;

  /**
   * @throws {TypeError} on an unknown option, a missing or invalid `meter`, a `prefix` that is not an
   *   instrument-name prefix, a `gauges` that is not an array of strings, or a `histograms` that is not
   *   a {@link StatsHistogramProducer}.
   */
  constructor(options: StatsInstrumentsOptions) {
    const o = assertOptions('StatsInstruments options', options, KNOWN);
    const meter = o.meter;
    if (typeof meter !== 'object' || meter === null || typeof meter.createObservableGauge !== 'function')
      throw new TypeError(`Expected \`meter\` to be an OpenTelemetry Meter, got ${describeValue(meter)}`);
    const prefix = o.prefix ?? 'scaling.';
    if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix)))
      throw new TypeError(`Expected \`prefix\` to be an instrument-name prefix, got ${describeValue(prefix)}`);
    const gauges = assertGaugeFields(o.gauges);
    if (o.histograms !== undefined && !(o.histograms instanceof StatsHistogramProducer))
      throw new TypeError(`Expected \`histograms\` to be a StatsHistogramProducer, got ${describeValue(o.histograms)}`);
    this.#meter = meter;
    this.#prefix = prefix;
    this.#gauges = new Set([...GAUGE_STATS_FIELDS, ...gauges]);
    if (o.histograms !== undefined) attachHistogramSource(o.histograms, (boundariesMs) => this.#histograms(boundariesMs));
  }

  /**
   * Observes `source.stats()` under `<prefix><name>.…` with `attributes` on every data point. Returns
   * a function that unregisters it (idempotent).
   *
   * @param name - the instrument group, snake_case: the package (`'cache'`, `'queue'`, `'load_balancer'`)
   *   or, for a package with several objects, the object (`'circuit_breaker'`, `'rate_limiter'`).
   * @param source - any object with a `stats()` method.
   * @param attributes - attributes telling instances apart (default none).
   * @param options - {@link StatsRegistrationOptions} (semantic-convention names for histograms).
   * @throws {TypeError} when `name` is not an instrument-name fragment, `source` has no `stats()` or
   *   its snapshot is not an object, or `options` has an unknown key or semantic convention.
   */
  register(name: string, source: StatsSource, attributes: Attributes = {}, options?: StatsRegistrationOptions): () => void {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new TypeError(`Expected \`name\` to be an instrument-name fragment (e.g. 'cache'), got ${describeValue(name)}`);
    assertStatsSource(source);
    if (typeof attributes !== 'object' || attributes === null)
      throw new TypeError(`Expected \`attributes\` to be an object, got ${describeValue(attributes)}`);
    const semconv = assertStatsRegistrationOptions(options);
    const snapshot = source.stats();
    if (typeof snapshot !== 'object' || snapshot === null)
      throw new TypeError(`Expected \`source.stats()\` to return an object, got ${describeValue(snapshot)}`);
    const entry: Entry = { name, source, attributes: { ...attributes }, semconv, histograms: true };
    this.#entries.push(entry);
    if (this.#walk(entry, snapshot, undefined)) this.#rebind();
    let registered = true;
    return () => {
      if (!registered) return;
      registered = false;
      this.#entries.splice(this.#entries.indexOf(entry), 1);
    };
  }

  /** Attributes of one sample: the registration's, then a member's (or `server.*` for a semantic-convention histogram). */
  #attributes(entry: Entry, s: StatsSample, convention: SemanticConventionName | undefined): Attributes {
    const out: Attributes = { ...entry.attributes };
    for (const [label, id] of s.members) {
      const server = convention === undefined ? undefined : serverOfMember(id);
      if (server === undefined) out[label] = id;
      else {
        out['server.address'] = server.address;
        out['server.port'] = server.port;
      }
    }
    if (s.kind === 'state') out[s.stateLabel] = s.value as string;
    return out;
  }

  /**
   * Walks one snapshot: creates the observable instruments it needs (true when it created any) and,
   * with `result`, observes its non-histogram samples.
   */
  #walk(entry: Entry, snapshot: object, result: BatchObservableResult | undefined): boolean {
    let created = false;
    let histograms = false;
    forEachStatsSample(snapshot, this.#gauges, (s) => {
      if (s.kind === 'histogram') {
        histograms = true;
        return;
      }
      const fullName = `${this.#prefix}${entry.name}.${s.parts.join('.')}`;
      let instrument = this.#instruments.get(fullName);
      if (instrument === undefined) {
        const description = `${s.parts.join('.')} of ${entry.name} stats()`;
        const opts = s.seconds ? { description, unit: 's' } : { description };
        const observable =
          s.kind === 'counter' ? this.#meter.createObservableCounter(fullName, opts) : this.#meter.createObservableGauge(fullName, opts);
        instrument = { kind: s.kind, observable };
        this.#instruments.set(fullName, instrument);
        created = true;
      }
      if (result === undefined || instrument.kind !== s.kind || !this.#bound.has(instrument.observable)) return;
      const value = s.kind === 'state' ? 1 : (s.value as number) * (s.seconds ? 1 / 1000 : 1);
      result.observe(instrument.observable, s.kind === 'counter' ? Math.max(0, value) : value, this.#attributes(entry, s, undefined));
    });
    entry.histograms = histograms;
    return created;
  }

  /** Re-registers the one batch callback over every instrument. */
  #rebind(): void {
    if (this.#observables.length > 0) this.#meter.removeBatchObservableCallback(this.#callback, this.#observables);
    this.#observables = [...this.#instruments.values()].map((i) => i.observable);
    this.#bound = new Set(this.#observables);
    this.#meter.addBatchObservableCallback(this.#callback, this.#observables);
  }

  #observe(result: BatchObservableResult): void {
    let discovered = false;
    for (const entry of this.#entries) {
      const snapshot = entry.source.stats();
      if (typeof snapshot !== 'object' || snapshot === null) continue;
      // Fields that appeared since registration get instruments, observed from the next collection.
      if (this.#walk(entry, snapshot, result)) discovered = true;
    }
    if (discovered && !this.#rebindScheduled) {
      this.#rebindScheduled = true;
      queueMicrotask(() => {
        this.#rebindScheduled = false;
        this.#rebind();
      });
    }
  }

  /** The histograms of every registered snapshot that has any, for the producer. */
  #histograms(boundariesMs: readonly number[]): { name: string; description: string; points: HistogramPoint[] }[] {
    const byName = new Map<string, { name: string; description: string; points: HistogramPoint[] }>();
    for (const entry of this.#entries) {
      if (!entry.histograms) continue;
      const snapshot = entry.source.stats();
      if (typeof snapshot !== 'object' || snapshot === null) continue;
      forEachStatsSample(snapshot, this.#gauges, (s) => {
        if (s.kind !== 'histogram') return;
        const convention = entry.semconv[s.field];
        const name = convention ?? `${this.#prefix}${entry.name}.${s.parts.join('.')}`;
        let series = byName.get(name);
        if (series === undefined) {
          series = { name, description: `${s.parts.join('.')} of ${entry.name} stats() (seconds)`, points: [] };
          byName.set(name, series);
        }
        const h = s.value as StatsHistogram & { min?: number; max?: number };
        const min = typeof h.min === 'number' && Number.isFinite(h.min) ? h.min / 1000 : undefined;
        const max = typeof h.max === 'number' && Number.isFinite(h.max) ? h.max / 1000 : undefined;
        series.points.push({
          attributes: this.#attributes(entry, s, convention),
          counts: histogramBucketCounts(h, boundariesMs),
          sum: h.sum / 1000,
          count: h.count,
          ...(min === undefined ? {} : { min }),
          ...(max === undefined ? {} : { max }),
        });
      });
    }
    return [...byName.values()];
  }
}
