import type { CheckpointRecord, MigrationRecord, RestoreRecord } from '../records.js';

/** The record kinds the charts draw. Other kinds in the results file (host facts, bench summaries) are skipped. */
export type ChartRun = CheckpointRecord | RestoreRecord | MigrationRecord;

type Tag = string | number | boolean;

const OUTCOMES = new Set(['ok', 'failed', 'cancelled']);

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isFiniteNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const optional = (x: unknown, check: (v: unknown) => boolean) => x === undefined || check(x);

/**
 * True for a well-formed checkpoint, restore or migration record. The results file is shared
 * with other writers (benchmarks add `hostFacts` lines, a crash can leave odd values), so the
 * charts keep only what they can draw and skip the rest instead of failing.
 */
export function isChartRun(x: unknown): x is ChartRun {
  if (!isObj(x)) return false;
  const r = x;
  if (r.kind !== 'checkpoint' && r.kind !== 'restore' && r.kind !== 'migration') return false;
  if (typeof r.id !== 'string' || typeof r.host !== 'string' || typeof r.container !== 'string') return false;
  if (typeof r.startedAt !== 'string') return false;
  if (typeof r.outcome !== 'string' || !OUTCOMES.has(r.outcome)) return false;
  if (!optional(r.tags, isObj)) return false;
  if (r.kind === 'migration') return isMigrationShape(r);
  if (!isFiniteNum(r.wallMs)) return false;
  if (r.kind === 'checkpoint') {
    if (typeof r.engine !== 'string') return false;
    if (r.imageBytes !== undefined && typeof r.imageBytes !== 'number') return false;
    if (r.criu !== undefined && (typeof r.criu !== 'object' || r.criu === null)) return false;
  }
  return true;
}

/**
 * The migration-only fields the charts, table and CSV read. A migration has no `wallMs`: its
 * times are `totalMs`, `downtimeMs` (absent when it failed before the freeze) and one entry per
 * phase; the table and CSV show the downtime as its time.
 */
function isMigrationShape(r: Record<string, unknown>): boolean {
  if (typeof r.source !== 'string' || typeof r.target !== 'string') return false;
  if (!isFiniteNum(r.totalMs) || !optional(r.downtimeMs, isFiniteNum)) return false;
  if (!isObj(r.phasesMs) || !Object.values(r.phasesMs).every(isFiniteNum)) return false;
  const b = r.bytes;
  if (!isObj(b) || !isFiniteNum(b.image) || !isFiniteNum(b.filesystem) || !isFiniteNum(b.checkpoint)) return false;
  if (!Array.isArray(r.warnings) || !r.warnings.every((w) => typeof w === 'string')) return false;
  if (!optional(r.engine, (v) => typeof v === 'string') || !optional(r.criu, isObj)) return false;
  if (!optional(r.memoryBytes, isFiniteNum) || !optional(r.precopyRounds, Array.isArray)) return false;
  return optional(r.error, (v) => typeof v === 'string') && optional(r.targetContainer, (v) => typeof v === 'string');
}

/** The well-formed checkpoint, restore and migration records among anything read from the results file. */
export function toRuns(xs: readonly unknown[]): ChartRun[] {
  return xs.filter(isChartRun);
}

export function tagOf(r: ChartRun, key: string): Tag | undefined {
  const v = r.tags?.[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

/** A numeric tag; benchmarks write some numbers as strings ("4"), both count. */
export function numTag(r: ChartRun, key: string): number | undefined {
  const v = tagOf(r, key);
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function scenarioOf(r: ChartRun): string | undefined {
  const v = tagOf(r, 'scenario');
  return v === undefined ? undefined : String(v);
}

/** A checkpoint's engine (a migration's, when it recorded one); a restore has none of its own unless a benchmark tagged it. */
export function engineOf(r: ChartRun): string | undefined {
  if (r.kind === 'checkpoint') return r.engine;
  if (r.kind === 'migration' && r.engine !== undefined) return r.engine;
  const v = tagOf(r, 'engine');
  return typeof v === 'string' ? v : undefined;
}

/**
 * The time a run's row shows: the wall time of a checkpoint or restore, the downtime of a
 * migration (what the container was unavailable for; undefined when it failed before the freeze).
 */
export function timeMsOf(r: ChartRun): number | undefined {
  return r.kind === 'migration' ? r.downtimeMs : r.wallMs;
}

/** UTC calendar day (YYYY-MM-DD) a run started on, or undefined for an unreadable date. */
export function dayOf(r: ChartRun): string | undefined {
  // Records store UTC ISO times; take the day straight from those (thousands of runs per redraw).
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(r.startedAt)) return r.startedAt.slice(0, 10);
  const t = Date.parse(r.startedAt);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 10);
}

/** Runs in the order they started (stable for equal or unreadable times). */
export function byStart(runs: readonly ChartRun[]): ChartRun[] {
  const keyed = runs.map((r, i) => ({ r, i, t: Date.parse(r.startedAt) }));
  keyed.sort((a, b) => {
    const ta = Number.isNaN(a.t) ? Infinity : a.t;
    const tb = Number.isNaN(b.t) ? Infinity : b.t;
    return ta === tb ? a.i - b.i : ta - tb;
  });
  return keyed.map((k) => k.r);
}
