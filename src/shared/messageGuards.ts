// Runtime checks for the charts IPC (messages.ts): each side validates what it receives.
import { FILTER_KEYS, type ReportFilter } from '../core/report/filters.js';
import { isChartRun } from '../core/report/runs.js';
import { isChartId } from '../core/report/series.js';
import type {
  AppendMessage,
  ErrorMessage,
  ExportCsvMessage,
  ExportDoneMessage,
  ExportPngMessage,
  ExtensionToWebview,
  ReadyMessage,
  RecordsMessage,
  WebviewToExtension,
} from './messages.js';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const hasType = (x: unknown, type: string): x is Obj => isObj(x) && x.type === type;
const isRequestId = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 100;

/** A PNG from Chart.js, capped so a runaway message cannot fill the disk or memory. */
export const MAX_PNG_DATA_URL = 20 * 1024 * 1024;
export const PNG_PREFIX = 'data:image/png;base64,';
export const MAX_FILTER_VALUE = 256;

export function isReportFilter(x: unknown): x is ReportFilter {
  if (!isObj(x)) return false;
  for (const [k, v] of Object.entries(x)) {
    if (!(FILTER_KEYS as readonly string[]).includes(k)) return false;
    if (v !== undefined && typeof v !== 'string') return false;
    // Filter values are host, scenario and engine names or dates: short, one line.
    if (typeof v === 'string' && (v.length > MAX_FILTER_VALUE || /[\u0000-\u001f\u007f]/.test(v))) return false;
  }
  for (const k of ['from', 'to'] as const) {
    const v = x[k];
    if (typeof v === 'string' && v !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  }
  return true;
}

export const isReadyMessage = (x: unknown): x is ReadyMessage => hasType(x, 'ready');

export const isExportCsvMessage = (x: unknown): x is ExportCsvMessage => hasType(x, 'exportCsv') && isRequestId(x.requestId) && isReportFilter(x.filter);

export const isExportPngMessage = (x: unknown): x is ExportPngMessage =>
  hasType(x, 'exportPng') &&
  isRequestId(x.requestId) &&
  isChartId(x.chartId) &&
  typeof x.dataUrl === 'string' &&
  x.dataUrl.startsWith(PNG_PREFIX) &&
  x.dataUrl.length <= MAX_PNG_DATA_URL &&
  /^[A-Za-z0-9+/]*={0,2}$/.test(x.dataUrl.slice(PNG_PREFIX.length));

export function isWebviewToExtension(x: unknown): x is WebviewToExtension {
  return isReadyMessage(x) || isExportCsvMessage(x) || isExportPngMessage(x);
}

export const isRecordsMessage = (x: unknown): x is RecordsMessage => hasType(x, 'records') && Array.isArray(x.records) && x.records.every(isChartRun);

export const isAppendMessage = (x: unknown): x is AppendMessage => hasType(x, 'append') && isChartRun(x.record);

export const isExportDoneMessage = (x: unknown): x is ExportDoneMessage =>
  hasType(x, 'exportDone') &&
  isRequestId(x.requestId) &&
  (x.outcome === 'saved' || x.outcome === 'cancelled' || x.outcome === 'failed') &&
  (x.detail === undefined || typeof x.detail === 'string');

export const isErrorMessage = (x: unknown): x is ErrorMessage => hasType(x, 'error') && typeof x.message === 'string';

export function isExtensionToWebview(x: unknown): x is ExtensionToWebview {
  return isRecordsMessage(x) || isAppendMessage(x) || isExportDoneMessage(x) || isErrorMessage(x);
}
