import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWorkListing, selectPrunable, type WorkDir } from '../../src/core/guard/workPrune.js';

const NOW = 1_800_000_000_000;
const ago = (min: number) => Math.floor((NOW - min * 60_000) / 1000);
const dir = (name: string, min: number, ok: boolean): WorkDir => ({ name, mtime: ago(min), ok });

test('keeps the newest successful dumps and every recent one; removes older successes only', () => {
  const dirs = [dir('ok-1', 100, true), dir('ok-2', 90, true), dir('ok-3', 80, true), dir('ok-4', 70, true), dir('ok-5', 5, true), dir('ok-6', 1, true)];
  // Newest 2 kept (ok-6, ok-5); of the rest, all are old enough.
  assert.deepEqual(selectPrunable(dirs, { keepOk: 2, keepFailed: 10, minAgeMs: 10 * 60_000 }, NOW).sort(), ['ok-1', 'ok-2', 'ok-3', 'ok-4']);
  // A folder younger than minAge survives even beyond keepOk (another client may read its stats).
  assert.deepEqual(selectPrunable(dirs, { keepOk: 1, keepFailed: 10, minAgeMs: 10 * 60_000 }, NOW).sort(), ['ok-1', 'ok-2', 'ok-3', 'ok-4']);
  assert.deepEqual(selectPrunable(dirs, { keepOk: 1, keepFailed: 10, minAgeMs: 0 }, NOW).sort(), ['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5']);
});

test("failures keep their logs (the newest keepFailed), and never count against the successes' quota", () => {
  const dirs = [dir('f-old', 500, false), dir('f-mid', 300, false), dir('f-new', 200, false), dir('ok-a', 400, true), dir('ok-b', 100, true)];
  assert.deepEqual(selectPrunable(dirs, { keepOk: 1, keepFailed: 2, minAgeMs: 0 }, NOW).sort(), ['f-old', 'ok-a']);
  assert.deepEqual(selectPrunable(dirs, { keepOk: 5, keepFailed: 5, minAgeMs: 0 }, NOW), []);
  assert.deepEqual(selectPrunable([], { keepOk: 0, keepFailed: 0, minAgeMs: 0 }, NOW), []);
});

test('the host listing: "mtime ok|failed name", anything else ignored (no path may escape the work root)', () => {
  const text = '1700000000 ok abc123456789-cp-1700000000000\n1700000001 failed abc-x-1\ngarbage\n1700000002 ok ../etc\n1700000003 ok a/b\n1700000004 failed with space\n';
  const got = parseWorkListing(text);
  assert.deepEqual(got.map((d) => [d.name, d.ok, d.mtime]), [
    ['abc123456789-cp-1700000000000', true, 1700000000],
    ['abc-x-1', false, 1700000001],
    ['with space', false, 1700000004],
  ]);
});
