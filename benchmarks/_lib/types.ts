/** What one benchmark area reports. Every figure lands in `benchmarks/results/latest.json`. */
export interface AreaReport {
  area: string;
  title: string;
  /** Tables rendered into docs/benchmarks.md (and usable in package READMEs). */
  tables: Table[];
  /** Ratios to peers measured in the same run: `value = ours / peer` (or peer / ours for costs, stated in `name`). */
  ratios: Ratio[];
  charts: Chart[];
  notes?: string[];
}

export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  note?: string;
}

export interface Ratio {
  /** e.g. "get-hit ops/s vs lru-cache" */
  name: string;
  ours: string;
  peer: string;
  value: number;
  /** The acceptance target, if any: value must be `>=` or `<=` this. */
  target?: { op: '>=' | '<='; value: number };
  /** Shown in the root README's headline table. */
  headline?: boolean;
}

export interface Chart {
  /** File stem for the SVG, unique within the area. */
  id: string;
  title: string;
  kind: 'bar' | 'line';
  xLabel: string;
  yLabel: string;
  /** Log scale on y (for ops/s spanning decades). */
  logY?: boolean;
  /** Log scale on x. */
  logX?: boolean;
  data: Array<{ series: string; x: string | number; y: number }>;
}

export interface AreaContext {
  quick: boolean;
  /** Print a progress line (the runner shows it in place). */
  progress(message: string): void;
  /** Extra CLI arguments after the area name, e.g. `--trace FILE`. */
  args: string[];
}

export type AreaModule = { default: (ctx: AreaContext) => Promise<AreaReport> };

export function metTarget(r: Ratio): boolean | undefined {
  if (!r.target) return undefined;
  return r.target.op === '>=' ? r.value >= r.target.value : r.value <= r.target.value;
}
