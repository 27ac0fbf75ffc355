// The charts webview's IPC, shared by the extension and the webview bundle. Types only:
// runtime checks of these shapes live in messageGuards.ts.
import type { ChartRun } from '../core/report/runs.js';
import type { ReportFilter } from '../core/report/filters.js';
import type { ChartId } from '../core/report/series.js';

// ---- webview -> extension ----

/** The webview's script is listening; the extension answers with `records`. Sent on every (re)load. */
export interface ReadyMessage {
  type: 'ready';
}

/** Save the runs the webview shows (same filter, applied by the extension to the store) as CSV. */
export interface ExportCsvMessage {
  type: 'exportCsv';
  requestId: string;
  filter: ReportFilter;
}

/** Save one chart as PNG; `dataUrl` is Chart.js `toBase64Image()`. */
export interface ExportPngMessage {
  type: 'exportPng';
  requestId: string;
  chartId: ChartId;
  dataUrl: string;
}

export type WebviewToExtension = ReadyMessage | ExportCsvMessage | ExportPngMessage;

// ---- extension -> webview ----

/** Every run in the results file (checkpoints, restores, migrations), replacing what the webview had. */
export interface RecordsMessage {
  type: 'records';
  records: ChartRun[];
}

/** One run just written to the results file. */
export interface AppendMessage {
  type: 'append';
  record: ChartRun;
}

/** The answer to an export request, matched by `requestId`. */
export interface ExportDoneMessage {
  type: 'exportDone';
  requestId: string;
  outcome: 'saved' | 'cancelled' | 'failed';
  /** Where the file went (saved) or why not (failed). */
  detail?: string;
}

/** The results file could not be read. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type ExtensionToWebview = RecordsMessage | AppendMessage | ExportDoneMessage | ErrorMessage;

/** What the webview keeps in `vscode.setState`, so a restored panel comes back as it was. */
export interface ChartsViewState {
  filter: ReportFilter;
  tab: 'charts' | 'table';
}
