/**
 * Order statistics for benchmark samples. Pure functions: a benchmark on a shared, noisy
 * host reports medians and ranges, never a single run. An empty sample is a bug in the
 * caller (nothing was measured), so every function throws rather than return NaN.
 */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

function sorted(values: readonly number[], what: string): number[] {
  if (values.length === 0) throw new RangeError(`${what} of an empty sample`);
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`${what}: sample has a non-finite value`);
  return [...values].sort((a, b) => a - b);
}

export function min(values: readonly number[]): number {
  return sorted(values, 'min')[0]!;
}

export function max(values: readonly number[]): number {
  const s = sorted(values, 'max');
  return s[s.length - 1]!;
}

export function mean(values: readonly number[]): number {
  sorted(values, 'mean');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The p-th percentile (0..100), interpolating linearly between closest ranks (the
 * definition of numpy's default and of Excel's PERCENTILE.INC): p=50 is the median.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  const s = sorted(values, 'percentile');
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  const s = sorted(values, 'summary');
  return { n: s.length, median: percentile(s, 50), min: s[0]!, max: s[s.length - 1]! };
}

/** The summary of the values that were measured (undefined and non-finite skipped); undefined when none were. */
export function summaryOf(xs: readonly (number | undefined)[]): Summary | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? summarize(v) : undefined;
}

export function medianOf(xs: readonly (number | undefined)[]): number | undefined {
  return summaryOf(xs)?.median;
}
