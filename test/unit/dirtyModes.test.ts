import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckpointRecord } from '../../src/core/records.js';
import { findScenario, ScenarioParamError } from '../../src/core/bench/scenarios/index.js';
import { dirtySteps, modeOf, modeTags, parseDirtyModes, sortedModes, summarizeDirty } from '../../src/core/bench/scenarios/dirty.js';
import { MB, memhogCheckpoint } from './benchRecords.js';

const KB = 2 ** 10;

test('--modes: whole rates from 0 to 100, "untouched", and any mixture, in the order given', () => {
  assert.deepEqual(parseDirtyModes('0'), [0]);
  assert.deepEqual(parseDirtyModes('0,5,100'), [0, 5, 100]);
  assert.deepEqual(parseDirtyModes('untouched'), ['untouched']);
  assert.deepEqual(parseDirtyModes(' 5 , untouched,0'), [5, 'untouched', 0]);
});

test('--modes: bad input is refused, naming the flag, the input and what is accepted', () => {
  for (const bad of ['', '5,', '-1', '101', '2.5', '5%', 'Untouched', 'untouched-ish', '0,,5', 'abc']) {
    assert.throws(
      () => parseDirtyModes(bad),
      (e: unknown) => e instanceof ScenarioParamError && e.message.startsWith(`--modes "${bad}": use dirty rates in %/s (whole numbers from 0 to 100) or "untouched"`),
      `"${bad}" is refused`,
    );
  }
  assert.throws(() => parseDirtyModes('untouched,0,untouched'), /--modes "untouched,0,untouched": a mode is listed twice/);
  assert.throws(() => parseDirtyModes('5,05'), /listed twice/);
});

test('steps count every mode, untouched included', () => {
  assert.equal(dirtySteps({ sizesMb: [1, 100, 1024], modes: [0, 5, 'untouched'], reps: 3 }), 27);
});

test('tags: a rate keeps dirtyPct (as before), untouched has dirtyMode and no dirtyPct; modeOf reads both back', () => {
  assert.deepEqual(modeTags(5), { dirtyPct: 5 });
  assert.deepEqual(modeTags('untouched'), { dirtyMode: 'untouched' });
  assert.equal(modeOf(cp(100, modeTags(0))), 0);
  assert.equal(modeOf(cp(100, modeTags('untouched'))), 'untouched');
  assert.equal(modeOf(cp(100, {})), undefined);
  assert.deepEqual(sortedModes(['untouched', 5, 0, 5]), [0, 5, 'untouched']);
});

test('summary: untouched rows after the rates of each size, with their small memory and image', () => {
  const rs = [
    cp(100, { dirtyMode: 'untouched' }, { memoryBytes: 600 * KB, imageBytes: 180 * KB, wallMs: 150 }),
    cp(100, { dirtyPct: 5 }),
    cp(100, { dirtyPct: 0 }),
    cp(1, { dirtyMode: 'untouched' }, { memoryBytes: 500 * KB, imageBytes: 170 * KB }),
    cp(1, { dirtyPct: 0 }, { memoryBytes: 1 * MB, imageBytes: 1 * MB }),
  ];
  const s = summarizeDirty(rs);
  assert.deepEqual(
    s.tables[0]!.rows.map((r) => r.slice(0, 2)),
    [
      ['1 MB', '0 %/s'],
      ['1 MB', 'untouched'],
      ['100 MB', '0 %/s'],
      ['100 MB', '5 %/s'],
      ['100 MB', 'untouched'],
    ],
  );
  const untouched = s.tables[0]!.rows[4]!;
  assert.equal(untouched[3], '0.15');
  assert.match(untouched[5]!, /^180 KiB$/);
  assert.ok(!s.notes.some((n) => /Not measured/.test(n)), 'untouched is measured now');
  assert.deepEqual(findScenario('dirty')!.summarize(rs).tables, s.tables);
});

function cp(sizeMb: number, tags: Record<string, string | number>, o: Partial<CheckpointRecord> = {}): CheckpointRecord {
  return memhogCheckpoint(sizeMb, {
    id: `r${sizeMb}-${JSON.stringify(tags)}`,
    checkpointName: 'a1',
    startedAt: '2026-11-22T10:00:00.000Z',
    tags: { scenario: 'dirty', benchRun: 'run1', sizeMb, rep: 1, ...tags },
    ...o,
  });
}
