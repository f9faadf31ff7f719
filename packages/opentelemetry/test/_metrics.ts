/** Shared by the metric tests: an in-memory sdk-metrics reader and what its histograms hold. */
import { DataPointType, MetricReader } from '@opentelemetry/sdk-metrics';
import { expect } from 'vitest';

/** An in-memory reader: `collect()` on demand, nothing exported anywhere. */
export class InMemoryReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The value of one explicit-bucket histogram data point. */
export interface HistogramValue {
  buckets: { boundaries: number[]; counts: number[] };
  sum: number;
  count: number;
  min?: number;
  max?: number;
}

/** Every histogram data point of one collection (which must report no error), and the collection's resource. */
export async function histograms(reader: MetricReader) {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const out: { name: string; unit: string; attributes: Record<string, unknown>; value: HistogramValue }[] = [];
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics)
      if (m.dataPointType === DataPointType.HISTOGRAM)
        for (const p of m.dataPoints)
          out.push({ name: m.descriptor.name, unit: m.descriptor.unit, attributes: p.attributes, value: p.value as HistogramValue });
  return { out, resource: resourceMetrics.resource };
}
