import { formatBytes } from '../../host/listing.js';
import type { CheckpointRecord, RestoreRecord, RunRecord } from '../../records.js';
import type { HostFactTags } from '../hostFacts.js';
import { summarize, type Summary } from '../stats.js';
import type { GoalCheck, ScenarioSummary, SummaryTable } from './types.js';

// Pure helpers the scenarios' summarize() functions share: select a run's records, group
// them, format medians. No I/O, so summaries are unit-tested on fake records.

type Measured = CheckpointRecord | RestoreRecord;

export function tag(r: RunRecord, key: string): string | number | boolean | undefined {
  return r.kind === 'checkpoint' || r.kind === 'restore' ? r.tags?.[key] : undefined;
}

export function numTag(r: RunRecord, key: string): number | undefined {
  const v = tag(r, key);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function strTag(r: RunRecord, key: string): string | undefined {
  const v = tag(r, key);
  return v === undefined ? undefined : String(v);
}

/** "0.42 s", or the outcome and error of a run that did not succeed: for progress lines. */
export function brief(r: { outcome: string; wallMs: number; error?: string }): string {
  return r.outcome === 'ok' ? `${(r.wallMs / 1000).toFixed(2)} s` : `${r.outcome}: ${r.error ?? ''}`;
}

/** The newest run id among a scenario's records (by start time). */
export function latestRunId(records: readonly RunRecord[], scenario: string): string | undefined {
  let best: { id: string; at: string } | undefined;
  for (const r of records) {
    if (strTag(r, 'scenario') !== scenario) continue;
    const id = strTag(r, 'benchRun');
    const at = r.kind === 'checkpoint' || r.kind === 'restore' ? r.startedAt : '';
    if (id !== undefined && (!best || at > best.at)) best = { id, at };
  }
  return best?.id;
}

/** A scenario's measured checkpoint and restore records (warm-ups left out), of one run when runId is given. */
export function selectRun(records: readonly RunRecord[], scenario: string, runId?: string): Measured[] {
  return records.filter((r): r is Measured => (r.kind === 'checkpoint' || r.kind === 'restore') && strTag(r, 'scenario') === scenario && (runId === undefined || strTag(r, 'benchRun') === runId) && tag(r, 'warmup') !== true);
}

/** A batch of checkpoints taken at once: its tag within one run (batch names repeat across runs). */
export function batchKey(r: RunRecord): string | undefined {
  const b = strTag(r, 'batch');
  return b === undefined ? undefined : `${strTag(r, 'benchRun') ?? ''}/${b}`;
}

export const okCheckpoints = (rs: readonly Measured[]): CheckpointRecord[] => rs.filter((r): r is CheckpointRecord => r.kind === 'checkpoint' && r.outcome === 'ok');
export const okRestores = (rs: readonly Measured[]): RestoreRecord[] => rs.filter((r): r is RestoreRecord => r.kind === 'restore' && r.outcome === 'ok');

/** Summary of the finite values, or undefined for none. */
export function stat(values: readonly (number | undefined)[]): Summary | undefined {
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return xs.length ? summarize(xs) : undefined;
}

/** Least-squares line y = a + b x with Pearson's r, or undefined for fewer than 3 points or no spread in x. */
export function linearFit(points: readonly { x: number; y: number }[]): { a: number; b: number; r: number; n: number } | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const syy = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  if (sxx === 0) return undefined;
  const b = sxy / sxx;
  return { a: my - b * mx, b, r: syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy), n };
}

export function groupBy<T, K>(items: readonly T[], key: (t: T) => K | undefined): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    out.set(k, [...(out.get(k) ?? []), it]);
  }
  return out;
}

export const sortedNumbers = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

/** "0.36 (0.30–0.41)" in seconds; a single run without the range; "–" for none. */
export function secs(s: Summary | undefined): string {
  if (!s) return '–';
  const f = (ms: number) => (ms / 1000).toFixed(2);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

export const x = (r: number | undefined): string => (r === undefined ? '–' : `${r.toFixed(2)}x`);
export const bytes = (b: number | undefined): string => (b === undefined ? '–' : formatBytes(b));

export function goal(label: string, value: number | undefined, limit: number): GoalCheck {
  return { label, goal: limit, ...(value !== undefined ? { value, met: value <= limit } : {}) };
}

/** The host facts every record carries, read back from the first one. */
export function factsOf(rs: readonly Measured[]): HostFactTags | undefined {
  const r = rs[0];
  if (!r?.tags || typeof r.tags['hostKernel'] !== 'string') return undefined;
  const s = (k: string) => String(r.tags?.[k] ?? '?');
  return { hostKernel: s('hostKernel'), hostDocker: s('hostDocker'), hostCriu: s('hostCriu'), hostRunc: s('hostRunc'), hostStorageDriver: s('hostStorageDriver'), hostCpus: Number(r.tags['hostCpus'] ?? 0) };
}

/** The parts every summary has; the scenario adds tables, goals and notes. */
export function summaryBase(scenario: string, title: string, rs: readonly Measured[], runId?: string): ScenarioSummary {
  const facts = factsOf(rs);
  return {
    scenario,
    title,
    ...(runId !== undefined ? { runId } : {}),
    ...(facts ? { facts } : {}),
    tables: [],
    goals: [],
    notes: [],
    records: rs.length,
    failed: rs.filter((r) => r.outcome !== 'ok').length,
  };
}

function goalLine(g: GoalCheck): string {
  const v = g.value === undefined ? 'n/a' : `${g.value.toFixed(2)}x`;
  return `${g.label}: ${v} (goal <= ${g.goal}x)${g.met === undefined ? '' : g.met ? ' — met' : ' — NOT met'}`;
}

function textTable(t: SummaryTable): string {
  const all = [t.head, ...t.rows];
  const widths = t.head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [t.title, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

/** For a terminal or a log: each table, the goals, the notes. */
export function renderSummaryText(s: ScenarioSummary): string {
  const parts = [`${s.title}${s.runId ? ` (run ${s.runId})` : ''}: ${s.records} records${s.failed ? `, ${s.failed} failed` : ''}`];
  for (const t of s.tables) parts.push('', textTable(t));
  if (s.goals.length) parts.push('', ...s.goals.map(goalLine));
  if (s.notes.length) parts.push('', ...s.notes.map((n) => `* ${n}`));
  return parts.join('\n');
}

/** The same as markdown, for docs/benchmarks.md. */
export function renderSummaryMarkdown(s: ScenarioSummary, level = 3): string {
  const h = '#'.repeat(level);
  const row = (c: readonly string[]) => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  const out = [`${h} ${s.title}`, ''];
  if (s.runId) out.push(`Run \`${s.runId}\`: ${s.records} records${s.failed ? `, ${s.failed} failed` : ''}.`, '');
  for (const t of s.tables) out.push(`**${t.title}**`, '', row(t.head), row(t.head.map(() => '---')), ...t.rows.map(row), '');
  if (s.goals.length) out.push(...s.goals.map((g) => `- ${goalLine(g)}`), '');
  if (s.notes.length) out.push(...s.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
