import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bench, ResultsStore, type RunRecord } from '../../core/index.js';
import { byStart, toCsv, toRuns, type ChartRun } from '../../core/report/index.js';
import { newNonce } from '../../extension/webview/html.js';
import { UsageError } from '../args.js';
import { EXIT, type ExitCode } from '../context.js';
import themeVars from '../../shared/themeVars.json' with { type: 'json' };

export type ReportTheme = 'light' | 'dark';

export interface ReportCommand {
  cmd: 'report';
  inputs: string[];
  out: string;
  title?: string;
  theme: ReportTheme;
  /** Folder holding charts.js and charts.css (default: the webview bundle beside the CLI, dist/webview). */
  assets?: string;
}

export const REPORT_USAGE = `  report <results.jsonl>... --out report.html [--title T] [--theme light|dark] [--assets dist/webview]
                                                 one static HTML page: the charts panel's charts over those
                                                 records (the same webview bundle, inlined) and each scenario's
                                                 newest summary tables`;

/** `cryo report ...`, or undefined for any other command. */
export function parseReport(argv: readonly string[]): ReportCommand | undefined {
  const options = { out: { type: 'string' }, title: { type: 'string' }, theme: { type: 'string' }, assets: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
  const loose = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true });
  if (loose.positionals[0] !== 'report' || loose.values.help === true) return undefined;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`report: ${e instanceof Error ? e.message : String(e)}`);
  }
  const inputs = parsed.positionals.slice(1);
  if (!inputs.length) throw new UsageError('report: name at least one results file (JSON lines).');
  const out = parsed.values.out;
  if (!out) throw new UsageError('report: --out report.html is required.');
  const theme = parsed.values.theme ?? 'light';
  if (theme !== 'light' && theme !== 'dark') throw new UsageError(`--theme "${theme}": use light or dark.`);
  return { cmd: 'report', inputs, out, theme, ...(parsed.values.title ? { title: parsed.values.title } : {}), ...(parsed.values.assets ? { assets: parsed.values.assets } : {}) };
}

/** dist/webview beside the bundled CLI (dist/cli.mjs), else ./dist/webview. */
export function defaultAssetsDir(): string {
  const beside = fileURLToPath(new URL('./webview/', import.meta.url));
  return existsSync(join(beside, 'charts.js')) ? beside : resolve('dist/webview');
}

export async function reportCommand(io: { out: (s: string) => void; err: (s: string) => void }, cmd: ReportCommand): Promise<ExitCode> {
  const assets = cmd.assets ?? defaultAssetsDir();
  let script: string;
  let style: string;
  try {
    [script, style] = await Promise.all([readFile(join(assets, 'charts.js'), 'utf8'), readFile(join(assets, 'charts.css'), 'utf8')]);
  } catch {
    io.err(`cryo: the charts bundle is not in ${assets} (build it: npm run build, or pass --assets)`);
    return EXIT.failed;
  }
  const all: RunRecord[] = [];
  const found = cmd.inputs.filter((f) => existsSync(f));
  for (const f of cmd.inputs) if (!found.includes(f)) io.err(`cryo: ${f}: no such file, skipped`);
  if (!found.length) return EXIT.failed;
  for (const f of found) all.push(...(await new ResultsStore(f).readAll()));
  const records = toRuns(all);
  const html = reportHtml({ script, style, records, title: cmd.title ?? 'Cryo benchmark report', theme: cmd.theme, summaries: bench.summarizeLatest(all), sources: found, generatedAt: new Date().toISOString() });
  await mkdir(dirname(resolve(cmd.out)), { recursive: true });
  await writeFile(cmd.out, html, 'utf8');
  io.err(`${records.length} runs from ${found.join(', ')} -> ${cmd.out}`);
  return EXIT.ok;
}

export interface ReportPage {
  script: string;
  style: string;
  records: readonly ChartRun[];
  title: string;
  theme: ReportTheme;
  summaries: readonly bench.ScenarioSummary[];
  sources: readonly string[];
  generatedAt: string;
  nonce?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON inside a <script type="application/json">: nothing in it can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** An inlined bundle must not end its <script> early. */
export function scriptForInline(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

// VS Code's theme variables that the charts and the vscode-elements read (Light/Dark Modern);
// shared with the paint benchmark, which builds the same page.
const THEME_VARS = themeVars as Record<ReportTheme, { bodyClass: string; vars: Record<string, string> }>;


/**
 * Stands in for VS Code's webview API, as the extension does for the panel: answers the
 * page's `ready` with a `records` message carrying the embedded runs; PNG export becomes a
 * download, CSV export downloads every run (the page's filter applies inside VS Code only).
 */
const SHIM = `(() => {
  const records = JSON.parse(document.getElementById('cryo-records').textContent);
  const csv = JSON.parse(document.getElementById('cryo-csv').textContent);
  let state;
  const download = (href, name) => { const a = document.createElement('a'); a.href = href; a.download = name; document.body.append(a); a.click(); a.remove(); };
  const reply = (m) => setTimeout(() => window.postMessage(m, '*'), 0);
  window.acquireVsCodeApi = () => ({
    getState: () => state,
    setState: (s) => { state = s; },
    postMessage: (m) => {
      if (!m || typeof m !== 'object') return;
      if (m.type === 'ready') reply({ type: 'records', records });
      else if (m.type === 'exportPng') { download(m.dataUrl, 'cryo-' + m.chartId + '.png'); reply({ type: 'exportDone', requestId: m.requestId, outcome: 'saved', detail: 'cryo-' + m.chartId + '.png' }); }
      else if (m.type === 'exportCsv') { download(URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), 'cryo-runs.csv'); reply({ type: 'exportDone', requestId: m.requestId, outcome: 'saved', detail: 'cryo-runs.csv (all runs: filters apply in VS Code only)' }); }
    },
  });
})();`;

function summaryHtml(s: bench.ScenarioSummary): string {
  const table = (t: bench.SummaryTable) =>
    `<table><caption>${esc(t.title)}</caption><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
      .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  const goals = s.goals.map((g) => `<li class="${g.met === undefined ? '' : g.met ? 'met' : 'missed'}">${esc(g.label)}: ${g.value === undefined ? 'n/a' : `${g.value.toFixed(2)}x`} (goal &le; ${g.goal}x)${g.met === undefined ? '' : g.met ? ' — met' : ' — not met'}</li>`);
  return `<section class="summary"><h2>${esc(s.title)}</h2><p class="meta">${esc(s.scenario)}${s.runId ? ` · run ${esc(s.runId)}` : ''} · ${s.records} records${s.failed ? ` · ${s.failed} failed` : ''}</p>${s.tables.map(table).join('')}${
    goals.length ? `<ul class="goals">${goals.join('')}</ul>` : ''
  }${s.notes.length ? `<ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</section>`;
}

const PAGE_CSS = `
.report-head { padding: 12px 16px 0; }
.report-head h1 { font-size: 1.4em; margin: 0 0 4px; }
.report-head p, .summary .meta { color: var(--vscode-descriptionForeground); margin: 0; }
.summaries { padding: 0 16px 32px; }
.summary h2 { font-size: 1.15em; margin: 28px 0 4px; }
.summary table { border-collapse: collapse; margin: 10px 0; font-variant-numeric: tabular-nums; }
.summary caption { text-align: left; padding: 4px 0; color: var(--vscode-descriptionForeground); }
.summary th, .summary td { border: 1px solid var(--vscode-panel-border); padding: 3px 8px; text-align: right; }
.summary th:first-child, .summary td:first-child { text-align: left; }
.summary .met { color: var(--vscode-charts-green); }
.summary .missed { color: var(--vscode-errorForeground); }
.summary .notes { color: var(--vscode-descriptionForeground); }
`;

/**
 * The static report: the charts page as the panel serves it (same bundle, same CSP shape:
 * nothing runs or loads without the page's nonce), with the bundle and stylesheet inlined,
 * the runs embedded as JSON, a shim for VS Code's API, and the scenarios' summary tables.
 */
export function reportHtml(p: ReportPage): string {
  const nonce = p.nonce ?? newNonce();
  const t = THEME_VARS[p.theme];
  const vars = Object.entries(t.vars)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ');
  const csp = ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, 'img-src data: blob:', 'font-src data:'].join('; ');
  const runs = byStart(p.records);
  const n = `nonce="${esc(nonce)}"`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${esc(p.title)}</title>
<style ${n}>html { ${vars} }</style>
<style ${n}>${p.style.replace(/<\/(style)/gi, '<\\/$1')}</style>
<style ${n}>${PAGE_CSS}</style>
</head>
<body class="${t.bodyClass}">
<header class="report-head"><h1>${esc(p.title)}</h1><p>${runs.length} runs from ${p.sources.map(esc).join(', ')} · generated ${esc(p.generatedAt)} by cryo report</p></header>
<main id="app" aria-busy="true"><p class="note">Loading runs…</p></main>
<div class="summaries">${p.summaries.map(summaryHtml).join('\n')}</div>
<script type="application/json" id="cryo-records">${jsonForScript(runs)}</script>
<script type="application/json" id="cryo-csv">${jsonForScript(toCsv(runs))}</script>
<script ${n}>${SHIM}</script>
<script ${n}>${scriptForInline(p.script)}</script>
</body>
</html>
`;
}
