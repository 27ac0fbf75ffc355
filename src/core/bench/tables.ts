import type { Summary } from './stats.js';

// Tables and goals of the benchmarks that span hosts (migration, pre-dump, chains): plain
// data, so one run prints on a terminal and writes the same tables into the docs.

/** A plain table: printed fixed-width on a terminal, as markdown in docs. */
export interface BenchTable {
  title: string;
  head: string[];
  rows: string[][];
}

/** A goal from an issue, judged on measured figures; `atMost` false means "at least". */
export interface BenchGoal {
  label: string;
  value?: number;
  /** Median of per-repetition ratios, when the runs pair up by repetition. */
  paired?: number;
  goal: number;
  atMost: boolean;
  met?: boolean;
  note?: string;
}

export function judge(label: string, value: number | undefined, goal: number, atMost: boolean, extra: Partial<BenchGoal> = {}): BenchGoal {
  const g: BenchGoal = { label, goal, atMost, ...extra };
  if (value !== undefined && Number.isFinite(value)) {
    g.value = value;
    g.met = atMost ? value <= goal : value >= goal;
  }
  return g;
}

export function goalLine(g: BenchGoal): string {
  const v = g.value === undefined ? 'n/a' : `${g.value.toFixed(2)}x`;
  const paired = g.paired === undefined ? '' : `, per-rep median ${g.paired.toFixed(2)}x`;
  const verdict = g.met === undefined ? '' : g.met ? ' — met' : ' — NOT met';
  return `${g.label}: ${v} (goal ${g.atMost ? '<=' : '>='} ${g.goal}x${paired})${verdict}${g.note ? ` — ${g.note}` : ''}`;
}

/** "1.23 (1.10–1.40)" in seconds from milliseconds; "1.23" for one sample; "–" for none. */
export function secsSummary(s: Summary | undefined, digits = 2): string {
  if (!s) return '–';
  const f = (ms: number) => (ms / 1000).toFixed(digits);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

export function renderTablesText(tables: readonly BenchTable[], goals: readonly BenchGoal[] = [], notes: readonly string[] = []): string {
  const out: string[] = [];
  for (const t of tables) {
    const all = [t.head, ...t.rows];
    const widths = t.head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    out.push(t.title, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line), '');
  }
  if (goals.length) out.push(...goals.map(goalLine), '');
  if (notes.length) out.push(...notes, '');
  return out.join('\n').trimEnd();
}

export function renderTablesMarkdown(tables: readonly BenchTable[], goals: readonly BenchGoal[] = [], notes: readonly string[] = []): string {
  const row = (c: readonly string[]) => `| ${c.join(' | ')} |`;
  const out: string[] = [];
  for (const t of tables) out.push(`**${t.title}**`, '', row(t.head), row(t.head.map(() => '---')), ...t.rows.map(row), '');
  if (goals.length) out.push(...goals.map((g) => `- ${goalLine(g)}`), '');
  if (notes.length) out.push(...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
