import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { outcomeOf, type RestoreRecord } from '../../src/core/records.js';
import { ResultsStore } from '../../src/core/store/resultsStore.js';

const record = (id: string): RestoreRecord => ({ kind: 'restore', id, host: 'local', container: 'c1', containerId: 'x', checkpointName: 'cp1', startedAt: '2026-11-22T00:00:00Z', wallMs: 12, outcome: 'ok' });

test('appends records and reads them back, skipping a torn last line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cryo-store-'));
  try {
    const store = new ResultsStore(join(dir, 'sub', 'results.jsonl'));
    assert.deepEqual(await store.readAll(), []);
    const seen: string[] = [];
    const off = store.onAppend((r) => seen.push(r.id));
    await store.append(record('a'));
    await store.append(record('b'));
    off();
    await store.append(record('c'));
    await appendFile(store.path, '{"kind":"restore","id":"torn');
    assert.deepEqual((await store.readAll()).map((r) => r.id), ['a', 'b', 'c']);
    assert.deepEqual(seen, ['a', 'b']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cancellation is recorded as cancelled, other errors as failed', () => {
  const abort = new Error('x');
  abort.name = 'AbortError';
  assert.deepEqual(outcomeOf(abort), { outcome: 'cancelled', error: 'Cancelled' });
  assert.deepEqual(outcomeOf(new Error('boom')), { outcome: 'failed', error: 'boom' });
});
