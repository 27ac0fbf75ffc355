import { formatBytes } from '../host/listing.js';
import type { CheckpointRecord } from '../records.js';
import { median, summarize, type Summary } from './stats.js';

/** What the report needs from a measurement (a SizedMeasurement fits). */
export interface MeasuredRun {
  method: string;
  sizeMb: number;
  /** Repetition number: runs of the same rep are paired for per-rep ratios. */
  rep?: number;
  callMs?: number;
  record: Pick<CheckpointRecord, 'wallMs' | 'outcome' | 'imageBytes' | 'criu'>;
}

export interface MethodRow {
  sizeMb: number;
  method: string;
  /** Successful runs only; failures are counted, never averaged in. */
  wallMs?: Summary;
  callMs?: Summary;
  frozenMs?: Summary;
  imageBytes?: number;
  failed: number;
}

/** The engines scenario's methods, slowest path first: the order rows are shown in. */
export const METHOD_ORDER: readonly string[] = ['docker-cli', 'cryo-docker', 'cryo-runc', 'raw-runc'];

/** One row per size x method, by size, then in methodOrder (methods not listed last, as first seen). */
export function summarizeRuns(runs: readonly MeasuredRun[], methodOrder: readonly string[] = METHOD_ORDER): MethodRow[] {
  const groups = new Map<string, MeasuredRun[]>();
  for (const r of runs) {
    const key = `${r.sizeMb}\u0000${r.method}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const rows: MethodRow[] = [];
  for (const group of groups.values()) {
    const ok = group.filter((r) => r.record.outcome === 'ok');
    const row: MethodRow = { sizeMb: group[0]!.sizeMb, method: group[0]!.method, failed: group.length - ok.length };
    if (ok.length) row.wallMs = summarize(ok.map((r) => r.record.wallMs));
    const calls = ok.flatMap((r) => (r.callMs !== undefined ? [r.callMs] : []));
    if (calls.length) row.callMs = summarize(calls);
    const frozen = ok.flatMap((r) => (r.record.criu ? [r.record.criu.frozenTimeUs / 1000] : []));
    if (frozen.length) row.frozenMs = summarize(frozen);
    const sizes = ok.flatMap((r) => (r.record.imageBytes !== undefined ? [r.record.imageBytes] : []));
    if (sizes.length) row.imageBytes = median(sizes);
    rows.push(row);
  }
  const rank = (m: string) => (methodOrder.includes(m) ? methodOrder.indexOf(m) : methodOrder.length);
  return rows.sort((a, b) => a.sizeMb - b.sizeMb || rank(a.method) - rank(b.method));
}

export interface GoalRatio {
  label: string;
  sizeMb: number;
  /** Ratio of the medians: what the goal is judged on. */
  value?: number;
  /**
   * Median of the per-repetition ratios (both runs of a rep a few seconds apart): on a
   * host whose load drifts, this cancels much of the drift that the ratio of medians keeps.
   */
  paired?: number;
  goal: number;
  met?: boolean;
}

/**
 * The ratios the project's goal names, on medians at one size: Cryo's runc engine against
 * `docker checkpoint create` (<= 0.2) and against raw runc (<= 1.15). Each is given for the
 * engine's own time (record.wallMs) and for the whole checkpointContainer() call.
 */
export function goalRatios(rows: readonly MethodRow[], sizeMb = 256, runs: readonly MeasuredRun[] = []): GoalRatio[] {
  const at = (method: string) => rows.find((r) => r.sizeMb === sizeMb && r.method === method);
  const runc = at('cryo-runc');
  const out: GoalRatio[] = [];
  for (const [base, goal] of [
    ['docker-cli', 0.2],
    ['raw-runc', 1.15],
  ] as const) {
    const denom = at(base)?.wallMs?.median;
    for (const [part, num] of [
      ['engine', runc?.wallMs?.median],
      ['call', runc?.callMs?.median],
    ] as const) {
      const ratio: GoalRatio = { label: `cryo-runc (${part}) / ${base}`, sizeMb, goal };
      if (num !== undefined && denom !== undefined && denom > 0) {
        ratio.value = num / denom;
        ratio.met = ratio.value <= goal;
      }
      const paired = pairedRatios(runs, sizeMb, base, part);
      if (paired.length) ratio.paired = median(paired);
      out.push(ratio);
    }
  }
  return out;
}

function pairedRatios(runs: readonly MeasuredRun[], sizeMb: number, base: string, part: 'engine' | 'call'): number[] {
  const ok = runs.filter((r) => r.sizeMb === sizeMb && r.rep !== undefined && r.record.outcome === 'ok');
  const out: number[] = [];
  for (const r of ok.filter((x) => x.method === 'cryo-runc')) {
    const d = ok.find((x) => x.method === base && x.rep === r.rep);
    const num = part === 'engine' ? r.record.wallMs : r.callMs;
    if (d && num !== undefined && d.record.wallMs > 0) out.push(num / d.record.wallMs);
  }
  return out;
}

const HEAD = ['size', 'method', 'wall s: median (min–max)', 'call s: median (min–max)', 'CRIU frozen s', 'image', 'n', 'failed'];

function cells(r: MethodRow): string[] {
  return [
    `${r.sizeMb} MB`,
    r.method,
    secs(r.wallMs),
    secs(r.callMs),
    r.frozenMs ? (r.frozenMs.median / 1000).toFixed(2) : '–',
    r.imageBytes !== undefined ? formatBytes(r.imageBytes) : '–',
    String(r.wallMs?.n ?? 0),
    String(r.failed),
  ];
}

function secs(s?: Summary): string {
  if (!s) return '–';
  const f = (ms: number) => (ms / 1000).toFixed(2);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

function ratioLine(r: GoalRatio): string {
  const v = r.value === undefined ? 'n/a' : `${r.value.toFixed(2)}x`;
  const verdict = r.met === undefined ? '' : r.met ? ' — met' : ' — NOT met';
  const paired = r.paired === undefined ? '' : `, per-rep median ${r.paired.toFixed(2)}x`;
  return `${r.label} at ${r.sizeMb} MB: ${v} (goal <= ${r.goal}x${paired})${verdict}`;
}

/** A fixed-width table for a terminal, then the goal ratios. */
export function renderText(rows: readonly MethodRow[], ratios: readonly GoalRatio[]): string {
  const table = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return [...lines, '', ...ratios.map(ratioLine)].join('\n');
}

/** The same as a markdown section for the README. */
export function renderMarkdown(rows: readonly MethodRow[], ratios: readonly GoalRatio[], about: { title: string; lines: readonly string[] }): string {
  const row = (c: readonly string[]) => `| ${c.join(' | ')} |`;
  return [
    `## ${about.title}`,
    '',
    ...about.lines.map((l) => `${l}  `),
    '',
    row(HEAD),
    row(HEAD.map(() => '---')),
    ...rows.map((r) => row(cells(r))),
    '',
    ...ratios.map((r) => `- ${ratioLine(r)}`),
    '',
  ].join('\n');
}
