import { byStart, engineOf, timeMsOf, type ChartRun } from './runs.js';

type Cell = string | number | boolean | undefined;

// One row per run of any kind; a column that does not apply to a kind stays empty. `wallMs` is
// each row's time (a migration's downtime, as in the runs table), so the column sorts across kinds;
// a migration's own times follow in `downtimeMs` and `totalMs`.
const FIXED: [string, (r: ChartRun) => Cell][] = [
  ['id', (r) => r.id],
  ['kind', (r) => r.kind],
  ['startedAt', (r) => r.startedAt],
  ['host', (r) => r.host],
  ['target', (r) => (r.kind === 'migration' ? r.target : undefined)],
  ['container', (r) => r.container],
  ['containerId', (r) => (r.kind === 'migration' ? undefined : r.containerId)],
  ['image', (r) => (r.kind === 'checkpoint' ? r.image : undefined)],
  ['engine', (r) => engineOf(r)],
  ['checkpointName', (r) => (r.kind === 'migration' ? undefined : r.checkpointName)],
  ['outcome', (r) => r.outcome],
  ['wallMs', (r) => timeMsOf(r)],
  ['downtimeMs', (r) => (r.kind === 'migration' ? r.downtimeMs : undefined)],
  ['totalMs', (r) => (r.kind === 'migration' ? r.totalMs : undefined)],
  ['imageBytes', (r) => (r.kind === 'checkpoint' ? r.imageBytes : undefined)],
  ['memoryBytes', (r) => (r.kind === 'restore' ? undefined : r.memoryBytes)],
  ['leaveRunning', (r) => (r.kind === 'checkpoint' ? r.options?.leaveRunning : undefined)],
  ['preDump', (r) => (r.kind === 'checkpoint' ? r.options?.preDump : undefined)],
  // A migration's CRIU stats are its final dump's, like a checkpoint's.
  ['freezingTimeUs', (r) => (r.kind === 'restore' ? undefined : r.criu?.freezingTimeUs)],
  ['frozenTimeUs', (r) => (r.kind === 'restore' ? undefined : r.criu?.frozenTimeUs)],
  ['memdumpTimeUs', (r) => (r.kind === 'restore' ? undefined : r.criu?.memdumpTimeUs)],
  ['memwriteTimeUs', (r) => (r.kind === 'restore' ? undefined : r.criu?.memwriteTimeUs)],
  ['pagesScanned', (r) => (r.kind === 'restore' ? undefined : r.criu?.pagesScanned)],
  ['pagesWritten', (r) => (r.kind === 'restore' ? undefined : r.criu?.pagesWritten)],
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
