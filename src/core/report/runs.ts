import type { CheckpointRecord, RestoreRecord } from '../records.js';

/** The record kinds the charts draw. Other kinds in the results file (migrations, host facts) are skipped. */
export type ChartRun = CheckpointRecord | RestoreRecord;

type Tag = string | number | boolean;

const OUTCOMES = new Set(['ok', 'failed', 'cancelled']);

/**
 * True for a well-formed checkpoint or restore record. The results file is shared with other
 * writers (benchmarks add `hostFacts` lines, a crash can leave odd values), so the charts keep
 * only what they can draw and skip the rest instead of failing.
 */
export function isChartRun(x: unknown): x is ChartRun {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  if (r.kind !== 'checkpoint' && r.kind !== 'restore') return false;
  if (typeof r.id !== 'string' || typeof r.host !== 'string' || typeof r.container !== 'string') return false;
  if (typeof r.startedAt !== 'string' || typeof r.wallMs !== 'number' || !Number.isFinite(r.wallMs)) return false;
  if (typeof r.outcome !== 'string' || !OUTCOMES.has(r.outcome)) return false;
  if (r.tags !== undefined && (typeof r.tags !== 'object' || r.tags === null || Array.isArray(r.tags))) return false;
  if (r.kind === 'checkpoint') {
    if (typeof r.engine !== 'string') return false;
    if (r.imageBytes !== undefined && typeof r.imageBytes !== 'number') return false;
    if (r.criu !== undefined && (typeof r.criu !== 'object' || r.criu === null)) return false;
  }
  return true;
}

/** The well-formed checkpoint and restore records among anything read from the results file. */
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

/** A checkpoint's engine; a restore has none of its own unless a benchmark tagged it. */
export function engineOf(r: ChartRun): string | undefined {
  if (r.kind === 'checkpoint') return r.engine;
  const v = tagOf(r, 'engine');
  return typeof v === 'string' ? v : undefined;
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
