import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type {
  AggregationTemporality,
  CollectionResult,
  DataPointType,
  HistogramMetricData,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { assertBucketBoundaries, assertOptions, DEFAULT_DURATION_BUCKETS_SECONDS, describeValue } from '@scaling/core/internal';

/** Options of {@link StatsHistogramProducer}. */
export interface StatsHistogramProducerOptions {
  /**
   * The explicit bucket boundaries, in seconds, of every exported histogram (ascending, finite; default
   * {@link DEFAULT_DURATION_BUCKETS}). Each is exact within the source histogram's relative error.
   */
  boundaries?: readonly number[];
  /** Instrumentation scope name of the exported metrics (default `'@scaling/opentelemetry'`). */
  scopeName?: string;
}

/**
 * The default explicit bucket boundaries (seconds): the OpenTelemetry semantic conventions' advice for
 * `http.client.request.duration` (0.005 … 10), plus 0.0005, 0.001, 0.0025, 30 and 60.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = DEFAULT_DURATION_BUCKETS_SECONDS;

/** One histogram point handed to the producer by a {@link StatsInstruments}: counts per `boundaries` interval. */
export interface HistogramPoint {
  /** The point's attributes. */
  readonly attributes: Attributes;
  /** `boundaries.length + 1` counts. */
  readonly counts: number[];
  /** Seconds. */
  readonly sum: number;
  /** Values recorded. */
  readonly count: number;
  /** Seconds, when known. */
  readonly min?: number;
  /** Seconds, when known. */
  readonly max?: number;
}

/** A metric the producer exports: its name, description, and the points of this collection. */
interface HistogramSeries {
  readonly name: string;
  readonly description: string;
  readonly points: HistogramPoint[];
}

/** What a {@link StatsInstruments} gives the producer: a function returning its histograms of this collection. */
type Source = (boundariesMs: readonly number[]) => HistogramSeries[];

const sources = new WeakMap<StatsHistogramProducer, Set<Source>>();

/** Links a StatsInstruments to a producer (module-private: not exported from the package root). */
export function attachHistogramSource(producer: StatsHistogramProducer, source: Source): void {
  sources.get(producer)?.add(source);
}

const HISTOGRAM = 0 as DataPointType.HISTOGRAM;
const CUMULATIVE = 1 as AggregationTemporality.CUMULATIVE;
const KNOWN = ['boundaries', 'scopeName'] as const;

/** The reader replaces a producer's resource with the SDK's; this empty one only fills the shape. */
const EMPTY_RESOURCE: Resource = {
  attributes: {},
  merge(other) {
    return other ?? this;
  },
  getRawAttributes() {
    return [];
  },
};

function hrNow(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/**
 * Exports the latency histograms of `stats()` snapshots to an OpenTelemetry SDK metric reader. The
 * OpenTelemetry API has no observable histogram, so histograms cannot be observable instruments; this is
 * a `MetricProducer` (`@opentelemetry/sdk-metrics` 2.x) that a reader merges into its collection: pass
 * it in the reader's `metricProducers` option and to {@link StatsInstruments} as `histograms`.
 *
 * Each `@scaling/core` `Histogram` (milliseconds) becomes an explicit-bucket histogram data point in
 * seconds (unit `s`), cumulative since the source object's construction, with `count`, `sum`, `min`
 * and `max`. Names and attributes follow {@link StatsInstruments} (`scaling.queue.wait_duration`, or a
 * semantic-convention name such as `http.client.request.duration`).
 *
 * Needs nothing at run time beyond `@opentelemetry/api`; its types come from `@opentelemetry/sdk-metrics`
 * 2.x (an optional peer: install it where you use this class). The reader replaces the producer's
 * resource with the SDK's.
 *
 * @example
 * ```ts
 * import { MeterProvider, PeriodicExportingMetricReader, ConsoleMetricExporter } from '@opentelemetry/sdk-metrics';
 * import { Queue } from '@scaling/queue';
 * import { StatsHistogramProducer, StatsInstruments } from '@scaling/opentelemetry';
 *
 * const histograms = new StatsHistogramProducer();
 * const reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), metricProducers: [histograms] });
 * const provider = new MeterProvider({ readers: [reader] });
 * const instruments = new StatsInstruments({ meter: provider.getMeter('app'), histograms });
 * instruments.register('queue', new Queue({ concurrency: 4 }), { queue: 'emails' });
 * await provider.shutdown();
 * ```
 */
export class StatsHistogramProducer implements MetricProducer {
  /** The boundaries in effect, seconds. */
  readonly boundaries: readonly number[];
  readonly #boundariesMs: readonly number[];
  readonly #scope: { name: string };
  readonly #startTime = hrNow();

  /**
   * @throws {TypeError} on an unknown option, `boundaries` that are not ascending finite numbers, or a
   *   `scopeName` that is not a non-empty string.
   */
  constructor(options?: StatsHistogramProducerOptions) {
    const o = assertOptions('StatsHistogramProducer options', options, KNOWN, {}, true);
    const boundaries = assertBucketBoundaries('boundaries', o.boundaries);
    const scopeName = o.scopeName ?? '@scaling/opentelemetry';
    if (typeof scopeName !== 'string' || scopeName === '')
      throw new TypeError(`Expected \`scopeName\` to be a non-empty string, got ${describeValue(scopeName)}`);
    this.boundaries = boundaries;
    this.#boundariesMs = boundaries.map((b) => b * 1000);
    this.#scope = { name: scopeName };
    sources.set(this, new Set());
  }

  /**
   * Reads the histograms of every snapshot registered through the attached {@link StatsInstruments}
   * (one `stats()` call per object holding a histogram). Called by the metric reader on each collection.
   */
  async collect(): Promise<CollectionResult> {
    const endTime = hrNow();
    const byName = new Map<string, HistogramSeries>();
    const errors: unknown[] = [];
    for (const source of sources.get(this) ?? []) {
      let series: HistogramSeries[];
      try {
        series = source(this.#boundariesMs);
      } catch (error) {
        errors.push(error);
        continue;
      }
      for (const s of series) {
        const known = byName.get(s.name);
        if (known === undefined) byName.set(s.name, { name: s.name, description: s.description, points: [...s.points] });
        else known.points.push(...s.points);
      }
    }
    const boundaries = [...this.boundaries];
    const metrics: HistogramMetricData[] = [...byName.values()].map((s) => ({
      descriptor: { name: s.name, description: s.description, unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: CUMULATIVE,
      dataPointType: HISTOGRAM,
      dataPoints: s.points.map((p) => ({
        startTime: this.#startTime,
        endTime,
        attributes: p.attributes,
        value: {
          buckets: { boundaries, counts: p.counts },
          sum: p.sum,
          count: p.count,
          ...(p.min === undefined ? {} : { min: p.min }),
          ...(p.max === undefined ? {} : { max: p.max }),
        },
      })),
    }));
    return { resourceMetrics: { resource: EMPTY_RESOURCE, scopeMetrics: [{ scope: this.#scope, metrics }] }, errors };
  }
}
