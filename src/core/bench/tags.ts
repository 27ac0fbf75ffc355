/**
 * Reading a benchmark record's tags. Tags come back from a results file as written, and
 * older or hand-edited files may hold numbers as strings, so numbers are parsed; a missing
 * or unparsable tag is undefined, never zero.
 */
export type BenchTags = Readonly<Record<string, unknown>>;

export function tagNumber(t: BenchTags | undefined, k: string): number | undefined {
  const v = t?.[k];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function tagString(t: BenchTags | undefined, k: string): string | undefined {
  return t?.[k] === undefined ? undefined : String(t[k]);
}
