import type { MigrationRecord } from '../../migrate/types.js';
import { median } from '../stats.js';
import { medianOf, num, str } from './recordFigures.js';
import type { Cell } from './rows.js';

// The ratios the migration goals are judged on (pure): one method against another in the
// same cell, as the ratio of medians and as the median of per-repetition ratios (same rep,
// same container, same folder), which cancels the drift between repetitions.

export type Ratio = { value?: number; paired?: number };
type Figure = (r: MigrationRecord) => number | undefined;

/** The successful records of one method in one cell that carry the figure. */
function inCell(records: readonly MigrationRecord[], cell: Cell, method: string, figure: Figure): MigrationRecord[] {
  return records.filter((r) => r.outcome === 'ok' && str(r.tags, 'route') === cell.route && num(r.tags, 'sizeMb') === cell.sizeMb && num(r.tags, 'dirtyPct') === cell.dirtyPct && str(r.tags, 'method') === method && figure(r) !== undefined);
}

/**
 * top / bottom (never over a zero bottom). Pairs are made by walking the `lead` side and
 * taking the first record of the other side at the same rep: each ratio keeps the side it
 * always walked, which matters only when a rep repeats (records of several runs).
 */
function ratioOf(top: readonly MigrationRecord[], bottom: readonly MigrationRecord[], figure: Figure, lead: 'top' | 'bottom'): Ratio {
  const out: Ratio = {};
  const t = medianOf(top.map(figure));
  const b = medianOf(bottom.map(figure));
  if (t !== undefined && b !== undefined && b > 0) out.value = t / b;
  const [walked, other] = lead === 'top' ? [top, bottom] : [bottom, top];
  const pairs = walked.flatMap((r) => {
    const o = other.find((x) => num(x.tags, 'rep') === num(r.tags, 'rep'));
    if (!o) return [];
    const [tv, bv] = lead === 'top' ? [figure(r)!, figure(o)!] : [figure(o)!, figure(r)!];
    return bv > 0 ? [tv / bv] : [];
  });
  if (pairs.length) out.paired = median(pairs);
  return out;
}

const transferMs: Figure = (r) => r.phasesMs.transfer;
const downtimeMs: Figure = (r) => r.downtimeMs;

/**
 * Throughput of `method` over `base` on the same folders: base time / method time, as the
 * ratio of medians and as the median of per-repetition ratios (same rep, same folder).
 */
export function throughputRatio(records: readonly MigrationRecord[], route: string, sizeMb: number, dirtyPct: number, method: string, base: string): Ratio {
  const there = records.filter((r) => str(r.tags, 'direction') === 'there');
  const cell = { route, sizeMb, dirtyPct };
  return ratioOf(inCell(there, cell, base, transferMs), inCell(there, cell, method, transferMs), transferMs, 'bottom');
}

/** Downtime of pre-copy over stop-and-copy on one route, size and dirty rate (medians; paired by rep). */
export function downtimeRatio(records: readonly MigrationRecord[], route: string, sizeMb: number, dirtyPct: number): Ratio {
  const cell = { route, sizeMb, dirtyPct };
  return ratioOf(inCell(records, cell, 'precopy', downtimeMs), inCell(records, cell, 'stopcopy', downtimeMs), downtimeMs, 'top');
}
