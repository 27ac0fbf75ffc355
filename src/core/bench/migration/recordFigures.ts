// What the migration tables read from records, under the short names they use: tags
// (parsed, a missing one undefined, never zero), summaries of the measured values, groups.

export { tagNumber as num, tagString as str } from '../tags.js';
export { medianOf, summaryOf } from '../stats.js';

/** Groups in first-seen order. */
export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}
