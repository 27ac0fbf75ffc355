import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointRecord, MigrationRecord } from '../../src/core/records.js';
import {
  isAppendMessage,
  isErrorMessage,
  isExportCsvMessage,
  isExportDoneMessage,
  isExportPngMessage,
  isExtensionToWebview,
  isReadyMessage,
  isRecordsMessage,
  isReportFilter,
  isWebviewToExtension,
  MAX_PNG_DATA_URL,
} from '../../src/shared/messageGuards.js';

const record: CheckpointRecord = {
  kind: 'checkpoint',
  id: 'r1',
  host: 'local',
  container: 'c',
  containerId: 'x',
  image: 'i',
  engine: 'runc',
  options: { leaveRunning: false, preDump: false },
  checkpointName: 'k',
  startedAt: '2026-11-22T00:00:00Z',
  wallMs: 12,
  outcome: 'ok',
};
const migration: MigrationRecord = {
  kind: 'migration',
  id: 'm1',
  host: 'local',
  source: 'local',
  target: 'host-b',
  container: 'c',
  startedAt: '2026-11-22T00:00:00Z',
  phasesMs: { checkpoint: 1, transfer: 2, restore: 3 },
  bytes: { image: 0, filesystem: 0, checkpoint: 10 },
  downtimeMs: 6,
  totalMs: 9,
  outcome: 'ok',
  warnings: [],
  tags: { scenario: 'migration', method: 'stopcopy', sizeMb: 16 },
};
const png = 'data:image/png;base64,iVBORw0KGgo=';

test('webview -> extension: ready, exportCsv with a filter, exportPng with a PNG data URL', () => {
  assert.ok(isReadyMessage({ type: 'ready' }));
  assert.ok(isExportCsvMessage({ type: 'exportCsv', requestId: 'r1', filter: { host: 'a', from: '2026-11-01', to: '' } }));
  assert.ok(isExportPngMessage({ type: 'exportPng', requestId: 'r2', chartId: 'nWay', dataUrl: png }));
  for (const m of [{ type: 'ready' }, { type: 'exportCsv', requestId: 'r', filter: {} }, { type: 'exportPng', requestId: 'r', chartId: 'imageSize', dataUrl: png }]) assert.ok(isWebviewToExtension(m));
});

test('webview -> extension: malformed or foreign messages are refused', () => {
  const bad: unknown[] = [
    null,
    'ready',
    [],
    { type: 'Ready' },
    { type: 'exportCsv', filter: {} },
    { type: 'exportCsv', requestId: '', filter: {} },
    { type: 'exportCsv', requestId: 'x'.repeat(101), filter: {} },
    { type: 'exportCsv', requestId: 'r', filter: { host: 3 } },
    { type: 'exportCsv', requestId: 'r', filter: { path: '/etc' } },
    { type: 'exportCsv', requestId: 'r', filter: { from: 'yesterday' } },
    { type: 'exportPng', requestId: 'r', chartId: 'nope', dataUrl: png },
    { type: 'exportPng', requestId: 'r', chartId: 'nWay', dataUrl: 'data:text/html;base64,PGI+' },
    { type: 'exportPng', requestId: 'r', chartId: 'nWay', dataUrl: 'data:image/png;base64,<script>' },
    { type: 'exportPng', requestId: 'r', chartId: 'nWay', dataUrl: `data:image/png;base64,${'A'.repeat(MAX_PNG_DATA_URL)}` },
    { type: 'records', records: [] },
  ];
  for (const m of bad) assert.equal(isWebviewToExtension(m), false, JSON.stringify(m)?.slice(0, 80));
  assert.ok(isReportFilter({}));
  assert.equal(isReportFilter(null), false);
});

test('extension -> webview: records, append, exportDone, error', () => {
  assert.ok(isRecordsMessage({ type: 'records', records: [record] }));
  assert.ok(isRecordsMessage({ type: 'records', records: [] }));
  assert.ok(isAppendMessage({ type: 'append', record }));
  assert.ok(isExportDoneMessage({ type: 'exportDone', requestId: 'r', outcome: 'saved', detail: '/tmp/x.csv' }));
  assert.ok(isExportDoneMessage({ type: 'exportDone', requestId: 'r', outcome: 'cancelled' }));
  assert.ok(isErrorMessage({ type: 'error', message: 'EACCES' }));
  for (const m of [{ type: 'records', records: [record] }, { type: 'append', record }, { type: 'error', message: '' }]) assert.ok(isExtensionToWebview(m));
});

test('extension -> webview: a records list with a foreign or broken record is refused whole', () => {
  assert.equal(isRecordsMessage({ type: 'records', records: [record, { kind: 'hostFacts' }] }), false);
  assert.equal(isRecordsMessage({ type: 'records', records: {} }), false);
  assert.equal(isAppendMessage({ type: 'append', record: { ...record, wallMs: Infinity } }), false);
  assert.equal(isAppendMessage({ type: 'append' }), false);
  assert.equal(isExportDoneMessage({ type: 'exportDone', requestId: 'r', outcome: 'maybe' }), false);
  assert.equal(isExtensionToWebview({ type: 'ready' }), false);
});

test('extension -> webview: migration records travel with the others (the downtime chart and the runs table draw them)', () => {
  assert.ok(isRecordsMessage({ type: 'records', records: [record, migration] }));
  assert.ok(isAppendMessage({ type: 'append', record: migration }));
  assert.ok(isExportPngMessage({ type: 'exportPng', requestId: 'r', chartId: 'migrationDowntime', dataUrl: png }));
  assert.equal(isAppendMessage({ type: 'append', record: { ...migration, downtimeMs: '6' } }), false);
  assert.equal(isRecordsMessage({ type: 'records', records: [record, { ...migration, bytes: null }] }), false);
});
