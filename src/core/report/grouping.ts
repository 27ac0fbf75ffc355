// Grouped-median series, shared by the charts in series.ts and benchCharts.ts (kept apart from
// both so neither module imports the other at run time).
import type { ChartRun } from './runs.js';
import { groupBy, summarize, type Summary } from './stats.js';

/** One line or bar series over the chart's labels. */
export interface CategoryDataset {
  label: string;
  /** One value per label (a median on grouped charts); null where this series has no run. */
  data: (number | null)[];
  /** Spread of each median's group; only on charts that summarise groups. */
  min?: (number | null)[];
  max?: (number | null)[];
  /** Runs behind each value. */
  n?: number[];
  /** Picks the colour: an engine, a mode, a method or a CRIU phase. */
  colorKey: string;
}

// One collator for all sorts: localeCompare with options builds a new one per call.
let collator: Intl.Collator | undefined;
/** Text with numbers in numeric order ("16 MB" before "128 MB"). */
export const naturalSort = (a: string, b: string) => (collator ??= new Intl.Collator(undefined, { numeric: true })).compare(a, b);
/** Labels that are numbers ("2" before "16"). */
export const numericSort = (a: string, b: string) => Number(a) - Number(b);

/** Grouped medians: labels from `labelOf`, one dataset per `seriesOf`, each point a median with its min–max. */
export function grouped<R extends ChartRun>(
  runs: readonly R[],
  labelOf: (r: R) => string | undefined,
  seriesOf: (r: R) => string | undefined,
  value: (r: R) => number | undefined,
  order: { labels?: (a: string, b: string) => number; series?: readonly string[] } = {},
): { labels: string[]; datasets: CategoryDataset[] } {
  const usable = runs.filter((r) => labelOf(r) !== undefined && seriesOf(r) !== undefined && value(r) !== undefined);
  const labels = [...new Set(usable.map((r) => labelOf(r)!))].sort(order.labels ?? naturalSort);
  const present = new Set(usable.map((r) => seriesOf(r)!));
  const seriesKeys = order.series ? order.series.filter((s) => present.has(s)) : [...present].sort(naturalSort);
  const datasets = seriesKeys.map((key): CategoryDataset => {
    const byLabel = groupBy(
      usable.filter((r) => seriesOf(r) === key),
      (r) => labelOf(r),
    );
    const sums = labels.map((l): Summary | undefined => summarize((byLabel.get(l) ?? []).map((r) => value(r)!)));
    return {
      label: key,
      colorKey: key,
      data: sums.map((s) => s?.median ?? null),
      min: sums.map((s) => s?.min ?? null),
      max: sums.map((s) => s?.max ?? null),
      n: sums.map((s) => s?.n ?? 0),
    };
  });
  return { labels, datasets };
}

/** A finite number, else undefined: a broken stats field must not become a NaN bar. */
export const finite = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) ? v : undefined);
