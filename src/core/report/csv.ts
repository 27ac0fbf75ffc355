import { byStart, engineOf, type ChartRun } from './runs.js';

type Cell = string | number | boolean | undefined;

const FIXED: [string, (r: ChartRun) => Cell][] = [
  ['id', (r) => r.id],
  ['kind', (r) => r.kind],
  ['startedAt', (r) => r.startedAt],
  ['host', (r) => r.host],
  ['container', (r) => r.container],
  ['containerId', (r) => r.containerId],
  ['image', (r) => (r.kind === 'checkpoint' ? r.image : undefined)],
  ['engine', (r) => engineOf(r)],
  ['checkpointName', (r) => r.checkpointName],
  ['outcome', (r) => r.outcome],
  ['wallMs', (r) => r.wallMs],
  ['imageBytes', (r) => (r.kind === 'checkpoint' ? r.imageBytes : undefined)],
  ['memoryBytes', (r) => (r.kind === 'checkpoint' ? r.memoryBytes : undefined)],
  ['leaveRunning', (r) => (r.kind === 'checkpoint' ? r.options?.leaveRunning : undefined)],
  ['preDump', (r) => (r.kind === 'checkpoint' ? r.options?.preDump : undefined)],
  ['freezingTimeUs', (r) => (r.kind === 'checkpoint' ? r.criu?.freezingTimeUs : undefined)],
  ['frozenTimeUs', (r) => (r.kind === 'checkpoint' ? r.criu?.frozenTimeUs : undefined)],
  ['memdumpTimeUs', (r) => (r.kind === 'checkpoint' ? r.criu?.memdumpTimeUs : undefined)],
  ['memwriteTimeUs', (r) => (r.kind === 'checkpoint' ? r.criu?.memwriteTimeUs : undefined)],
  ['pagesScanned', (r) => (r.kind === 'checkpoint' ? r.criu?.pagesScanned : undefined)],
  ['pagesWritten', (r) => (r.kind === 'checkpoint' ? r.criu?.pagesWritten : undefined)],
  ['error', (r) => r.error],
];

/**
 * One RFC 4180 field. Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a
 * leading apostrophe: tags and error messages come from containers and benchmarks, not from us.
 */
export function csvField(v: Cell): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The runs as CSV, in start order: fixed columns, then one `tag:<name>` column per tag seen. */
export function toCsv(runs: readonly ChartRun[]): string {
  const tagKeys = [...new Set(runs.flatMap((r) => Object.keys(r.tags ?? {})))].sort();
  const header = [...FIXED.map(([name]) => name), ...tagKeys.map((k) => `tag:${k}`)];
  const lines = [header.map(csvField).join(',')];
  for (const r of byStart(runs)) {
    const cells: Cell[] = [...FIXED.map(([, get]) => get(r)), ...tagKeys.map((k) => r.tags?.[k])];
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
