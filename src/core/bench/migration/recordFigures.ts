import type { MigrationRecord } from '../../migrate/types.js';
import { summarize, type Summary } from '../stats.js';

// Reading a migration record's bench tags and summing figures over records. Tags may come
// back from a results file as strings, so numbers are parsed; a missing figure is skipped,
// never counted as zero.

type Tags = NonNullable<MigrationRecord['tags']>;

export const num = (t: Tags | undefined, k: string): number | undefined => {
  const v = t?.[k];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

export const str = (t: Tags | undefined, k: string): string | undefined => (t?.[k] === undefined ? undefined : String(t[k]));

/** Groups in first-seen order. */
export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

export function summaryOf(xs: readonly (number | undefined)[]): Summary | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? summarize(v) : undefined;
}

export function medianOf(xs: readonly (number | undefined)[]): number | undefined {
  return summaryOf(xs)?.median;
}
