import type { Attributes, BatchObservableResult, Meter, Observable, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import {
  assertOptions,
  classifyStatsField,
  describeValue,
  GAUGE_STATS_FIELDS,
  type StatsFieldKind,
  snakeCase,
  valueAtPath,
} from '@scaling/core/internal';

/** Anything with a `stats()` snapshot: every stateful `@scaling/*` object, or an adapter you write. */
export interface StatsSource {
  /**
   * A snapshot of numbers (booleans and strings allowed), possibly nested in plain objects. Called on
   * collection only; it must not change state.
   */
  stats(): object;
}

/** Options of {@link StatsInstruments}. */
export interface StatsInstrumentsOptions {
  /** The meter to create the observable instruments on (e.g. `metrics.getMeter('my-app')`). Required. */
  meter: Meter;
  /** Prefix of every instrument name (default `'scaling.'`). */
  prefix?: string;
  /**
   * Fields observed as gauges in addition to the built-in list (the same as `@scaling/prometheus`'s
   * `DEFAULT_GAUGE_FIELDS`); every other number is a monotonic counter. A top-level field is named by
   * its key (`'inflight'`), a nested one by its dotted path (`'partitions.a.inflight'`).
   */
  gauges?: readonly string[];
}

const KNOWN = ['meter', 'prefix', 'gauges'] as const;
const NAME = /^[a-zA-Z][a-zA-Z0-9_.]*$/;

type Kind = StatsFieldKind;

interface Instrument {
  path: readonly string[];
  kind: Kind;
  scale: number;
  stateKey: string;
  observable: ObservableCounter | ObservableGauge;
}

interface Entry {
  name: string;
  source: StatsSource;
  attributes: Attributes;
  /** Instruments this entry's snapshot feeds. */
  instruments: Set<Instrument>;
}

/**
 * Observable OpenTelemetry instruments over `stats()` snapshots: nothing runs on the objects' hot
 * paths; on each collection one batch callback calls `stats()` once per registered object.
 *
 * Names follow the OpenTelemetry style, `<prefix><name>.<field>` in snake_case: a counter field `hits`
 * of `register('cache', …)` is the observable counter `scaling.cache.hits`; a gauge `size` is the
 * observable gauge `scaling.queue.size`; a field ending in `Ms` is observed in seconds with unit `s`
 * (`delayMs` → `scaling.hedge.delay`); nested objects are flattened with `.`; a boolean is a 0/1
 * gauge; a string field `state` is a gauge of 1 with the attribute `state` (`{ state: 'open' }`). The
 * `attributes` given to {@link register} tell instances apart.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { Cache } from '@scaling/cache';
 * import { StatsInstruments } from '@scaling/opentelemetry';
 *
 * const instruments = new StatsInstruments({ meter: metrics.getMeter('my-app') });
 * instruments.register('cache', new Cache<string, object>({ max: 10_000 }), { 'cache.name': 'users' });
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
   *   instrument-name prefix, or a `gauges` that is not an array of strings.
   */
  constructor(options: StatsInstrumentsOptions) {
    const o = assertOptions('StatsInstruments options', options, KNOWN);
    const meter = o.meter;
    if (typeof meter !== 'object' || meter === null || typeof meter.createObservableGauge !== 'function')
      throw new TypeError(`Expected \`meter\` to be an OpenTelemetry Meter, got ${describeValue(meter)}`);
    const prefix = o.prefix ?? 'scaling.';
    if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix)))
      throw new TypeError(`Expected \`prefix\` to be an instrument-name prefix, got ${describeValue(prefix)}`);
    const gauges = o.gauges ?? [];
    if (!Array.isArray(gauges) || gauges.some((g) => typeof g !== 'string'))
      throw new TypeError(`Expected \`gauges\` to be an array of field names, got ${describeValue(gauges)}`);
    this.#meter = meter;
    this.#prefix = prefix;
    this.#gauges = new Set([...GAUGE_STATS_FIELDS, ...gauges]);
  }

  /**
   * Observes `source.stats()` under `<prefix><name>.…` with `attributes` on every data point. Returns
   * a function that unregisters it (idempotent).
   *
   * @param name - the instrument group, snake_case (`'cache'`, `'queue'`, `'circuit_breaker'`).
   * @param source - any object with a `stats()` method.
   * @param attributes - attributes telling instances apart (default none).
   * @throws {TypeError} when `name` is not an instrument-name fragment, `source` has no `stats()` or
   *   its snapshot is not an object.
   */
  register(name: string, source: StatsSource, attributes: Attributes = {}): () => void {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new TypeError(`Expected \`name\` to be an instrument-name fragment (e.g. 'cache'), got ${describeValue(name)}`);
    if (typeof source !== 'object' || source === null || typeof source.stats !== 'function')
      throw new TypeError(`Expected \`source\` to have a stats() method, got ${describeValue(source)}`);
    if (typeof attributes !== 'object' || attributes === null)
      throw new TypeError(`Expected \`attributes\` to be an object, got ${describeValue(attributes)}`);
    const snapshot = source.stats();
    if (typeof snapshot !== 'object' || snapshot === null)
      throw new TypeError(`Expected \`source.stats()\` to return an object, got ${describeValue(snapshot)}`);
    const entry: Entry = { name, source, attributes: { ...attributes }, instruments: new Set() };
    this.#entries.push(entry);
    if (this.#discover(entry, snapshot)) this.#rebind();
    let registered = true;
    return () => {
      if (!registered) return;
      registered = false;
      this.#entries.splice(this.#entries.indexOf(entry), 1);
    };
  }

  /** Creates instruments for fields of `snapshot` not seen yet; true when it created any. */
  #discover(entry: Entry, snapshot: object): boolean {
    let created = false;
    const walk = (value: unknown, path: string[]): void => {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
        return;
      }
      const last = path[path.length - 1] ?? '';
      const f = classifyStatsField(value, path, this.#gauges);
      if (f === undefined) return;
      const { kind, parts, scale } = f;
      const unit = f.seconds ? 's' : undefined;
      const fullName = `${this.#prefix}${entry.name}.${parts.join('.')}`;
      let instrument = this.#instruments.get(fullName);
      if (instrument === undefined) {
        const description = `${path.join('.')} of ${entry.name} stats()`;
        const opts = unit === undefined ? { description } : { description, unit };
        const observable =
          kind === 'counter' ? this.#meter.createObservableCounter(fullName, opts) : this.#meter.createObservableGauge(fullName, opts);
        instrument = { path, kind, scale, stateKey: snakeCase(last), observable };
        this.#instruments.set(fullName, instrument);
        created = true;
      }
      entry.instruments.add(instrument);
    };
    walk(snapshot, []);
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
      if (this.#discover(entry, snapshot)) discovered = true;
      for (const instrument of entry.instruments) {
        if (!this.#bound.has(instrument.observable)) continue;
        const value = valueAtPath(snapshot, instrument.path);
        if (instrument.kind === 'state') {
          if (typeof value === 'string') result.observe(instrument.observable, 1, { ...entry.attributes, [instrument.stateKey]: value });
          continue;
        }
        const n = typeof value === 'boolean' ? (value ? 1 : 0) : value;
        if (typeof n !== 'number' || !Number.isFinite(n)) continue;
        result.observe(instrument.observable, n * instrument.scale, entry.attributes);
      }
    }
    if (discovered && !this.#rebindScheduled) {
      this.#rebindScheduled = true;
      queueMicrotask(() => {
        this.#rebindScheduled = false;
        this.#rebind();
      });
    }
  }
}
