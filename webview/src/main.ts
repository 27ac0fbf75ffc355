// The charts webview: receives run records from the extension, filters them, draws the charts.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { applyFilter, filterOptions, type ReportFilter } from '../../src/core/report/filters.js';
import type { ChartRun } from '../../src/core/report/runs.js';
import { buildCharts, type ChartId } from '../../src/core/report/series.js';
import { isAppendMessage, isErrorMessage, isExportDoneMessage, isRecordsMessage } from '../../src/shared/messageGuards.js';
import type { ChartsViewState, WebviewToExtension } from '../../src/shared/messages.js';
import type { ChartSummary } from './chartHooks.js';
import { ChartsView } from './chartView.js';
import { warmUpCharts } from './chartWarmUp.js';
import { FilterBar } from './filterBar.js';
import { RunsTable } from './table.js';
import { vscodeApi } from './vscodeApi.js';

declare global {
  interface Window {
    /** For tests: what each chart was given to draw, keyed by chart id. Read-only. */
    readonly __cryoCharts: Readonly<Record<string, ChartSummary>>;
  }
}

const api = vscodeApi();
const saved = api?.getState();
let state: ChartsViewState = { filter: saved?.filter ?? {}, tab: saved?.tab === 'table' ? 'table' : 'charts' };

let runs: ChartRun[] = [];
let ids = new Set<string>();
let shown: ChartRun[] = [];
let received = false;
let nextRequest = 0;
const pending = new Map<string, string>();

function post(m: WebviewToExtension): void {
  api?.postMessage(m);
}

function requestId(): string {
  return `${Date.now().toString(36)}-${++nextRequest}`;
}

// ---- layout ----
const app = document.getElementById('app') ?? document.body.appendChild(document.createElement('main'));
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
const banner = document.createElement('p');
banner.className = 'banner';
banner.hidden = true;
banner.setAttribute('role', 'alert');
const tabs = document.createElement('vscode-tabs') as HTMLElement & { selectedIndex: number };
const chartsHeader = document.createElement('vscode-tab-header');
chartsHeader.setAttribute('slot', 'header');
chartsHeader.textContent = 'Charts';
const tableHeader = document.createElement('vscode-tab-header');
tableHeader.setAttribute('slot', 'header');
tableHeader.textContent = 'Runs';
const chartsPanel = document.createElement('vscode-tab-panel');
const tablePanel = document.createElement('vscode-tab-panel');
const grid = document.createElement('div');
grid.className = 'grid';
chartsPanel.append(grid);
tabs.append(chartsHeader, chartsPanel, tableHeader, tablePanel);
app.replaceChildren(toolbar, banner, tabs);
app.removeAttribute('aria-busy');

const filters = new FilterBar(toolbar, state.filter, onFilter, exportCsv);
const view = new ChartsView(grid, (chartId: ChartId, dataUrl: string) => {
  const id = requestId();
  pending.set(id, `${chartId} chart`);
  post({ type: 'exportPng', requestId: id, chartId, dataUrl });
});
const table = new RunsTable(tablePanel);

Object.defineProperty(window, '__cryoCharts', { get: () => view.summary(), configurable: false, enumerable: true });

tabs.selectedIndex = state.tab === 'table' ? 1 : 0;
tabs.addEventListener('vsc-tabs-select', (e) => {
  const index = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
  saveState({ tab: index === 1 ? 'table' : 'charts' });
  if (index === 1) table.show(shown);
});

function saveState(patch: Partial<ChartsViewState>): void {
  state = { ...state, ...patch };
  api?.setState(state);
}

function onFilter(f: ReportFilter): void {
  saveState({ filter: f });
  refresh();
}

function exportCsv(): void {
  const id = requestId();
  pending.set(id, 'CSV');
  post({ type: 'exportCsv', requestId: id, filter: filters.value });
}

/** Recomputes everything shown from the runs and the filter. */
function refresh(): void {
  shown = applyFilter(runs, filters.value);
  filters.setOptions(filterOptions(runs));
  filters.setCount(shown.length, runs.length);
  performance.mark('cryo:filtered');
  const series = buildCharts(shown);
  performance.mark('cryo:series');
  view.render(series);
  performance.mark('cryo:rendered');
  if (state.tab === 'table') table.show(shown);
}

// New runs arrive one by one during a benchmark; redraw at most a few times a second.
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
function refreshSoon(): void {
  refreshTimer ??= setTimeout(() => {
    refreshTimer = undefined;
    refresh();
  }, 250);
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  performance.mark('cryo:message');
  const m = e.data;
  if (isRecordsMessage(m)) {
    performance.mark('cryo:records-received');
    runs = m.records;
    performance.mark('cryo:validated');
    ids = new Set(runs.map((r) => r.id));
    received = true;
    banner.hidden = true;
    refresh();
    performance.mark('cryo:charts-painted');
    performance.measure('cryo:paint', 'cryo:message', 'cryo:charts-painted');
  } else if (isAppendMessage(m)) {
    // The store can announce a run the full read already had; ids keep it once.
    if (!received || ids.has(m.record.id)) return;
    ids.add(m.record.id);
    runs.push(m.record);
    refreshSoon();
  } else if (isExportDoneMessage(m)) {
    const what = pending.get(m.requestId) ?? 'Export';
    pending.delete(m.requestId);
    if (m.outcome === 'saved') filters.say(`${what} saved${m.detail ? ` to ${m.detail}` : ''}.`);
    else if (m.outcome === 'failed') filters.say(`${what} export failed${m.detail ? `: ${m.detail}` : ''}.`, 'error');
  } else if (isErrorMessage(m)) {
    banner.textContent = m.message;
    banner.hidden = false;
  }
});

// Theme switches change the body class (light/dark/high contrast) and the CSS variables on <html>.
const themeWatch = new MutationObserver(() => view.retheme());
themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

post({ type: 'ready' });
// While the extension reads the results file, get Chart.js compiled (a cold page pays ~100 ms on its first chart).
setTimeout(() => {
  if (!received) warmUpCharts();
}, 0);
