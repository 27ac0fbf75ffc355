import { formatBytes } from '../../host/listing.js';
import type { MigrationRecord } from '../../migrate/types.js';
import { num } from './recordFigures.js';

// How the migration benchmark writes its figures: table cells and the progress lines a run
// prints as it goes. '–' marks a figure that was not measured.

export const mb = (bytes?: number) => (bytes === undefined ? '–' : formatBytes(bytes));
export const ms1 = (ms?: number) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function fmtRatio(v?: number): string {
  return v === undefined ? '–' : `${v.toFixed(2)}x`;
}

export function describeMove(r: MigrationRecord): string {
  if (r.outcome !== 'ok') return `${r.outcome}: ${r.error ?? ''}`;
  const p = r.phasesMs;
  return `downtime ${r.downtimeMs === undefined ? '?' : secs(r.downtimeMs)} (checkpoint ${ms1(p.checkpoint)}, transfer ${ms1(p.transfer)}, restore ${ms1(p.restore)}), total ${secs(r.totalMs)}, ${mb(r.bytes.checkpoint)} on the wire${r.precopyRounds ? `, ${r.precopyRounds.length} pre-copy round(s)` : ''}`;
}

export function describePipe(r: MigrationRecord): string {
  if (r.outcome !== 'ok') return `${r.outcome}: ${r.error ?? ''}`;
  const folder = num(r.tags, 'folderBytes');
  const ms = r.phasesMs.transfer ?? 0;
  return `${secs(ms)}${folder !== undefined && ms > 0 ? `, ${(folder / 1e6 / (ms / 1000)).toFixed(0)} MB/s` : ''}`;
}
