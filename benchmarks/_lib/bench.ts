import { Bench } from 'tinybench';

export interface Measured {
  /** operations per second (mean) */
  hz: number;
  /** mean time per operation in nanoseconds */
  meanNs: number;
  /** relative margin of error in % */
  rme: number;
}

/**
 * Runs each task under tinybench in one process, interleaved by name order, and returns ops/s per task.
 * `quick` shortens every task to a smoke run (no thresholds are meaningful then).
 */
export async function measure(
  tasks: Record<string, () => unknown>,
  opts: { quick: boolean; timeMs?: number },
): Promise<Record<string, Measured>> {
  const bench = new Bench({
    time: opts.quick ? 30 : (opts.timeMs ?? 800),
    warmupTime: opts.quick ? 10 : 200,
    iterations: opts.quick ? 5 : 10,
  });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, Measured> = {};
  for (const task of bench.tasks) {
    const r = task.result as { throughput?: { mean: number; rme: number }; latency?: { mean: number } } | undefined;
    const hz = r?.throughput?.mean ?? 0;
    out[task.name] = { hz, meanNs: (r?.latency?.mean ?? 0) * 1e6, rme: r?.throughput?.rme ?? 0 };
  }
  return out;
}

/**
 * Bytes retained per item: builds `n` items with `build(n)` and measures heap growth after forced GCs.
 * Needs `--expose-gc` (the runner passes it).
 */
export function bytesPerItem(n: number, build: (n: number) => unknown): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bytesPerItem needs node --expose-gc (npm run bench passes it)');
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const keep = build(n);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  // keep `keep` alive until after the measurement
  if (keep === Symbol.for('never')) console.log(keep);
  return (after - before) / n;
}

/** Zipf(α) sampler over ranks 0…n−1 by inverse CDF on a precomputed table. */
export function zipfSampler(n: number, alpha: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** alpha;
    cdf[i] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
